from . import backbones, heads, losses, segmentors, utils  # noqa: F401
