from .gss_encoder_decoder import GSSEncoderDecoder
from .maskige_autoencoder import MaskigeAutoencoder
from .multi_domain import MultiDomainEncoderDecoder

__all__ = [
    'GSSEncoderDecoder', 'MaskigeAutoencoder', 'MultiDomainEncoderDecoder'
]
