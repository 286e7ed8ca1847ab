from . import backbones, heads, segmentors  # noqa: F401
