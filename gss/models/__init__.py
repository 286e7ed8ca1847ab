from . import backbones, heads, segmentors, utils  # noqa: F401
