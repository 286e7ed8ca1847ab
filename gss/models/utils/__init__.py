from .fast_window_attention import FastSwinBlockSequence, FastWindowMSA

__all__ = ['FastSwinBlockSequence', 'FastWindowMSA']
