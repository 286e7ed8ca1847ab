from .fast_window_attention import FastSwinBlockSequence, FastWindowMSA
from .token_cells import cell_class_weights, mixed_cells

__all__ = [
    'FastSwinBlockSequence', 'FastWindowMSA', 'cell_class_weights',
    'mixed_cells'
]
