from .fast_window_attention import FastSwinBlockSequence, FastWindowMSA
from .token_cells import mixed_cells

__all__ = ['FastSwinBlockSequence', 'FastWindowMSA', 'mixed_cells']
