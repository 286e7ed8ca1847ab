from .maskige_autoencoder import MaskigeAutoencoder

__all__ = ['MaskigeAutoencoder']
from .multi_domain import MultiDomainEncoderDecoder  # noqa: F401
from .gss_encoder_decoder import GSSEncoderDecoder  # noqa: F401
