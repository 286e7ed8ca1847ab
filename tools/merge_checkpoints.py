"""Merge a GSS-FF checkpoint and a GSS-FT-W checkpoint into one model.

Usage::

    python tools/merge_checkpoints.py FF_CKPT FTW_CKPT OUT

The result holds the image encoder, token classifier, auxiliary head and
tokenizer of the GSS-FF checkpoint (stage II) and the learnable X⁻¹ of the
GSS-FT-W checkpoint (the ``decode_head`` modules of
``gss.utils.checkpoint.FTW_INVERSE_MODULES``); test it with the FT-W
config::

    python tools/test.py FTW_CONFIG OUT --eval mIoU

FT-W training starts from the FF checkpoint and keeps that part frozen, so
both parts normally agree already; merging makes the FF part exactly the
FF checkpoint's and reports FT-W tensors that differ from it (a sign that
FT-W started from another FF model). The FT-W checkpoint's ``meta`` (its
config, classes, palette) is kept, optimizer states are dropped. Both files
are loaded weights-only; OUT is written atomically.
"""
import argparse
import os
import os.path as osp
import sys
from collections import OrderedDict

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Merge a GSS-FF and a GSS-FT-W checkpoint')
    parser.add_argument('ff', help='GSS-FF checkpoint (stage II)')
    parser.add_argument('ftw', help="GSS-FT-W checkpoint (stage I')")
    parser.add_argument('out', help='merged checkpoint to write')
    return parser.parse_args(argv)


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import gss  # noqa: E402,F401  (mmcv compatibility + safe loading, first)
import torch  # noqa: E402

from gss.utils import safe_load  # noqa: E402
from gss.utils.checkpoint import (FTW_INVERSE_MODULES,  # noqa: E402
                                  apply_key_changes, atomic_path,
                                  is_ftw_inverse_key)

ENCODER_PREFIX = 'backbone.'
BN_STATISTICS = ('.running_mean', '.running_var', '.num_batches_tracked')


def load_checkpoint_state(path):
    """Load a checkpoint weights-only.

    Returns:
        tuple[OrderedDict, dict]: its state dict (``module.`` prefixes of
        DataParallel wrappers removed, a released checkpoint's ``d_vae.``
        renamed ``tokenizer.``) and its ``meta`` (empty if none).
    """
    ckpt = safe_load(path)
    if not isinstance(ckpt, dict):
        raise ValueError(f'{path} is not a checkpoint: expected a dict, got '
                         f'{type(ckpt).__name__}')
    state_dict = ckpt.get('state_dict', ckpt)
    meta = ckpt.get('meta', {}) if 'state_dict' in ckpt else {}
    state_dict = OrderedDict(state_dict)
    apply_key_changes(state_dict, '', ['checkpoint'])
    # The renames GSSFFHead applies when loading (FT-W's own ones too
    # would drop the FF auxiliary head, which the merge keeps).
    apply_key_changes(state_dict, 'decode_head.', ['GSSFFHead'])
    return state_dict, meta


def merge(ff_state, ftw_state):
    """Merge the two state dicts.

    Args:
        ff_state (dict): GSS-FF state dict.
        ftw_state (dict): GSS-FT-W state dict.

    Returns:
        tuple[OrderedDict, list[str]]: the merged state dict (FF tensors,
        then the FT-W X⁻¹ tensors) and the keys of FT-W's non-X⁻¹ tensors
        (other than BN running statistics) that differ from the FF
        checkpoint's.

    Raises:
        ValueError: FF has no image encoder, FT-W has no X⁻¹, or FT-W has
            other tensors that FF lacks (different models).
    """
    if not any(k.startswith(ENCODER_PREFIX) for k in ff_state):
        raise ValueError(
            f'the GSS-FF checkpoint has no image encoder ({ENCODER_PREFIX}* '
            'keys): give the stage-II checkpoint of the FF config (e.g. '
            'work_dirs/gss-ff_.../latest.pth) first, the FT-W one second')
    inverse = [k for k in ftw_state if is_ftw_inverse_key(k)]
    if not inverse:
        raise ValueError(
            'the GSS-FT-W checkpoint has no learnable X⁻¹ (keys of the '
            f'decode_head modules {", ".join(FTW_INVERSE_MODULES)}): give the '
            'checkpoint of an FT-W config (GSSFTWHead) second')
    unmatched = [
        k for k in ftw_state
        if not is_ftw_inverse_key(k) and k not in ff_state
    ]
    if unmatched:
        raise ValueError(
            f'the GSS-FT-W checkpoint has {len(unmatched)} tensors that the '
            f'GSS-FF checkpoint lacks (e.g. {unmatched[0]}): the two come '
            'from different models; give the FF checkpoint the FT-W config '
            'was trained from')
    merged = OrderedDict(
        (k, v) for k, v in ff_state.items() if not is_ftw_inverse_key(k))
    merged.update((k, ftw_state[k]) for k in inverse)
    # BN running statistics of the frozen part move during FT-W training
    # (it runs in train mode, as the authors'); the weights must not.
    differing = [
        k for k, v in ftw_state.items()
        if not is_ftw_inverse_key(k) and not k.endswith(BN_STATISTICS) and (
            v.shape != merged[k].shape or not torch.equal(v, merged[k]))
    ]
    return merged, differing


def main(argv=None):
    args = parse_args(argv)
    ff_state, _ = load_checkpoint_state(args.ff)
    ftw_state, ftw_meta = load_checkpoint_state(args.ftw)
    merged, differing = merge(ff_state, ftw_state)
    if differing:
        print(f'Warning: {len(differing)} frozen tensors of {args.ftw} differ '
              f'from {args.ff} (e.g. {differing[0]}): was FT-W trained from '
              'another FF checkpoint? The FF tensors are kept.')
    meta = dict(ftw_meta)
    meta['merged_from'] = dict(ff=args.ff, ftw=args.ftw)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with atomic_path(args.out) as tmp:
        torch.save(dict(meta=meta, state_dict=merged), tmp)
    num_inverse = sum(is_ftw_inverse_key(k) for k in merged)
    print(f'Wrote {args.out}: {len(merged) - num_inverse} tensors from '
          f'{args.ff} and {num_inverse} X⁻¹ tensors from {args.ftw}.')


if __name__ == '__main__':
    main()
