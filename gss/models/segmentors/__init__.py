from .gss_encoder_decoder import GSSEncoderDecoder
from .maskige_autoencoder import MaskigeAutoencoder
from .multi_domain import MultiDomainEncoderDecoder
from .strict_loading import StrictLoadingMixin

__all__ = [
    'GSSEncoderDecoder', 'MaskigeAutoencoder', 'MultiDomainEncoderDecoder',
    'StrictLoadingMixin'
]
