from .maskige_autoencoder import MaskigeAutoencoder

__all__ = ['MaskigeAutoencoder']
from .multi_domain import MultiDomainEncoderDecoder  # noqa: F401
