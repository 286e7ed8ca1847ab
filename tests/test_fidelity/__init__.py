"""The published configs and heads against the authors' implementation."""

#: The authors' head argument names (``../shared/fidelity/configs.json``, the
#: numeric pack's overrides) → this project's, where they differ. The only
#: place the fidelity tests translate names; GSSFFHead still accepts the
#: first three old names, with a DeprecationWarning.
OFFICIAL_HEAD_ARGUMENTS = dict(
    indice_channel_index='token_level_index',
    indice_seg_channel='fusion_channels',
    indice_cls_channel='classifier_channels',
    swin_num_head='swin_num_heads',
    post_swin_num_head='post_swin_num_heads')


def our_argument(official):
    """This project's name of the authors' head argument ``official``."""
    return OFFICIAL_HEAD_ARGUMENTS.get(official, official)
