from .gss_ff_head import GSSFFHead
from .gss_ff_posterior_head import GSSFFPosteriorHead
from .gss_ftw_head import GSSFTWHead

__all__ = ['GSSFFHead', 'GSSFFPosteriorHead', 'GSSFTWHead']
