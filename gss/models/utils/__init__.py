from .fast_window_attention import FastSwinBlockSequence, FastWindowMSA
from .renamed_arguments import renamed_arguments
from .token_cells import cell_class_weights, mixed_cells
from .token_tiles import map_token_tiles

__all__ = [
    'FastSwinBlockSequence', 'FastWindowMSA', 'cell_class_weights',
    'map_token_tiles', 'mixed_cells', 'renamed_arguments'
]
