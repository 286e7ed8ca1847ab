"""GSS segmentors refuse a state dict that does not fit them, whoever
loads it."""
from ...utils.checkpoint import (check_fit, fit_state_dict, module_state,
                                 partial_load, partial_load_allowed)

#: How to load part of a checkpoint on purpose, for the refusal's message.
PARTIAL_HINT = ("GSS's tools/test.py --allow-partial-load, "
                'gss.utils.load_checkpoint(model, file, strict=False), '
                'model.load_state_dict(state, strict=False) or load inside '
                '`with gss.utils.partial_load():`')


class StrictLoadingMixin:
    """Check each state dict loaded into the segmentor as a whole.

    mmcv's ``load_checkpoint`` is non-strict by default, and mmseg's own
    ``tools/test.py`` (like the authors') calls it so: a stage-I or GSS-FF
    checkpoint loaded into a GSS-FT-W config leaves most of the model
    random and still prints a full mIoU table. Every loader, mmcv's and
    torch's, calls the segmentor's ``_load_from_state_dict`` with the whole
    state dict before its children's, so the check lives there: it fits
    the state dict to the model as GSS's loader does (the load hooks of
    GSS modules map released key names first) and raises
    :class:`gss.utils.CheckpointMismatchError` naming the keys and the
    likely cause if anything is missing, unexpected or of another shape.

    Partial loads stay possible on purpose: ``load_state_dict(...,
    strict=False)``, ``gss.utils.load_checkpoint(..., strict=False)``
    (``--load-from``, ``--allow-partial-load``) and anything inside
    :func:`gss.utils.partial_load`.
    """

    def _load_from_state_dict(self, state_dict, prefix, local_metadata,
                              strict, missing_keys, unexpected_keys,
                              error_msgs):
        if not partial_load_allowed():
            own = state_dict if not prefix else module_state(
                state_dict, prefix)
            missing, unexpected, errors = fit_state_dict(self, own)
            check_fit(self, missing, unexpected, errors,
                      f'(a state dict loaded into {type(self).__name__})',
                      partial_hint=PARTIAL_HINT)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """``nn.Module.load_state_dict``; ``strict=False`` is a partial
        load on purpose (see :func:`gss.utils.partial_load`)."""
        if strict:
            return super().load_state_dict(state_dict, strict, assign)
        with partial_load():
            return super().load_state_dict(state_dict, strict, assign)
