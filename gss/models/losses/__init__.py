from .token_cross_entropy import TokenCrossEntropyLoss

__all__ = ['TokenCrossEntropyLoss']
