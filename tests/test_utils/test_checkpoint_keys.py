"""gss.utils.checkpoint.KEY_CHANGES: every old layout still loads, entry
by entry, and its values land in the right tensors."""
import pytest
import torch
from mmseg.models import build_segmentor

from gss.tokenizers import EMAVectorQuantizer
from gss.utils.checkpoint import (KEY_CHANGES, KeyChange, apply_key_changes,
                                  load_checkpoint, module_prefixes,
                                  module_state)
from tests.test_models.test_heads.test_gss_heads import tiny_cfg

DALLE = dict(type='DalleDVAE', n_hid=16, vocab_size=32, n_init=8,
             checkpoint=None)


def ftw_cfg():
    return tiny_cfg('GSSFTWHead', tokenizer=DALLE, post_seg_channel=16,
                    post_swin_depth=1, post_swin_num_heads=2)


#: Owner → (a model holding one, the owner's key prefix in it).
OWNERS = {
    'GSSFFHead': (lambda: build_segmentor(tiny_cfg(tokenizer=DALLE)),
                  'decode_head.'),
    'GSSFTWHead': (lambda: build_segmentor(ftw_cfg()), 'decode_head.'),
    'MaskigeAutoencoder': (lambda: build_segmentor(
        dict(type='MaskigeAutoencoder', tokenizer=DALLE, palette='camvid',
             num_classes=11)), ''),
    'EMAVectorQuantizer': (lambda: EMAVectorQuantizer(num_codes=8, dim=3),
                           ''),
}


def old_layout(state_dict, change, prefix):
    """``state_dict`` as a checkpoint of ``change``'s old layout."""
    old = {}
    for key, value in state_dict.items():
        rest = key[len(prefix):]
        if change.old is None and rest == change.new:
            continue  # the old layout lacks it
        if change.old is not None and change.new is not None and \
                key.startswith(prefix) and rest.startswith(change.new):
            key = prefix + change.old + rest[len(change.new):]
        old[key] = value
    if change.new is None:  # entries the old layout has and today's lacks
        old[f'{prefix}{change.old}0.weight'] = torch.ones(3)
    return old


def entry_id(change):
    return f'{change.owner}:{change.old}->{change.new}'


@pytest.mark.parametrize(
    'change', [c for c in KEY_CHANGES if c.owner in OWNERS], ids=entry_id)
def test_old_layout_loads_strictly_into_the_new_module(change):
    build, prefix = OWNERS[change.owner]
    torch.manual_seed(0)
    source = build()
    with torch.no_grad():  # no zero-initialised biases: every value counts
        for param in source.parameters():
            param.normal_()
    expected = source.state_dict()
    old = old_layout(expected, change, prefix)
    assert old.keys() != expected.keys()  # the entry changes something
    torch.manual_seed(1)
    target = build()
    if change.old is not None and change.new is not None:
        # The renamed tensors start out different from the source's.
        moved = [k for k in expected if k.startswith(prefix + change.new)]
        params = dict(target.named_parameters())
        assert moved and all(not torch.equal(params[k], expected[k])
                             for k in moved if k in params)
    target.load_state_dict(old, strict=True)
    loaded = target.state_dict()
    assert loaded.keys() == expected.keys()
    for key, value in loaded.items():
        assert torch.equal(value, expected[key]), key


def test_every_entry_is_tested_and_documented():
    tested = set(OWNERS) | {'checkpoint'}
    assert {c.owner for c in KEY_CHANGES} == tested
    for change in KEY_CHANGES:
        assert isinstance(change, KeyChange)
        assert change.layout and (change.old or change.new), change
        assert change.old != change.new, change


def test_wrapped_checkpoint_loads_into_the_bare_model(tmp_path):
    """``checkpoint: module. -> ''``: DataParallel / DDP checkpoints."""
    (change, ) = [c for c in KEY_CHANGES if c.owner == 'checkpoint']
    torch.manual_seed(0)
    source = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 1), torch.nn.ReLU())
    path = str(tmp_path / 'wrapped.pth')
    torch.save(dict(state_dict={change.old + k: v for k, v in
                                source.state_dict().items()}), path)
    target = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 1), torch.nn.ReLU())
    load_checkpoint(target, path, strict=True)
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key


def test_changes_keep_the_key_order_and_apply_once():
    state = {'a.d_vae.x': 1, 'a.other': 2, 'a.d_vae.encoder.y': 3}
    apply_key_changes(state, 'a.', ['MaskigeAutoencoder'])
    # d_vae.encoder. becomes tokenizer.encoder., not tokenizer.tokenizer.
    assert list(state.items()) == [('a.tokenizer.x', 1), ('a.other', 2),
                                   ('a.tokenizer.encoder.y', 3)]


def test_module_state_finds_the_tokenizer_under_any_prefix():
    inner = {'encoder.w': 1, 'decoder.w': 2}
    for prefix in ('', 'tokenizer.', 'decode_head.d_vae.'):
        state = {prefix + k: v for k, v in inner.items()}
        state['backbone.encoder.wx'] = 0  # no key boundary: not a match
        (found, ) = module_prefixes(state, 'encoder.w')
        assert found == prefix
        if prefix:
            assert module_state(state, found) == inner
