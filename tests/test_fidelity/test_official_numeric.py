"""The published heads compute what the authors' heads compute.

``../shared/fidelity/numeric/`` holds, for three head families, small-width
official heads (their state dicts in the authors' key names, random weights),
their inputs and their outputs: token logits, decoded maskiges, FF/FT-W test
outputs and training losses (see that folder's README). Each test builds our
head from the *published config* with the same widths, loads the authors'
state dict strictly, with no conversion, and compares.
"""
import copy
import os.path as osp

import mmcv
import pytest
import torch
from mmseg.models import build_head

from tests.conftest import ROOT
from tests.test_fidelity import our_argument
from tests.test_configs.tiny_gss import config_path

PACK = osp.join(osp.dirname(ROOT), 'shared', 'fidelity', 'numeric')
#: family → (FF config, FT-W config) whose heads the pack reproduces.
FAMILIES = {
    'cityscapes_r101': ('gss-ff_r101_768x768_80k_cityscapes',
                        'gss-ft-w_r101_768x768_80k_40k_cityscapes'),
    'ade20k_swin-l': ('gss-ff_swin-l_512x512_160k_ade20k',
                      'gss-ft-w_swin-l_512x512_160k_ade20k'),
    'mseg_hrnet-w48': ('gss-ff_hrnet-w48_512x512_160k_mseg',
                       'gss-ft-w_hrnet-w48_512x512_160k_40k_mseg'),
}
MODES = ('train_bn_batchstats_dropout_eval', 'eval')
ATOL = RTOL = 1e-5

pytestmark = pytest.mark.skipif(
    not osp.isdir(PACK),
    reason=f'the official reference pack is not at {PACK} (it lives in '
    "../shared/fidelity beside the clone; see that folder's README)")


@pytest.fixture(scope='module', params=list(FAMILIES))
def family(request):
    torch.set_num_threads(1)  # the pack was computed with one thread
    name = request.param
    pack = torch.load(osp.join(PACK, f'{name}.pt'), weights_only=False)
    return name, pack


def build_from_config(config_name, pack, which):
    """Our head from a published config, at the pack's widths."""
    head_cfg = copy.deepcopy(
        mmcv.Config.fromfile(config_path(config_name)).model.decode_head)
    overrides = pack['overrides'][which]
    dvae = overrides['dvae']
    head_cfg.update(
        in_channels=overrides['in_channels'],
        channels=overrides['channels'],
        **{our_argument(name): overrides[name]
           for name in ('indice_seg_channel', 'indice_cls_channel')},
        norm_cfg=dict(type='BN', requires_grad=True),
        tokenizer=dict(
            type='DalleDVAE',
            n_hid=dvae['n_hid'],
            n_init=dvae['n_init'],
            vocab_size=dvae['vocab_size'],
            checkpoint=None))
    if which == 'ftw':
        head_cfg.update(post_seg_channel=overrides['post_seg_channel'])
    head = build_head(head_cfg)
    state_dict = pack['state_dict' if which == 'ff' else 'ftw_state_dict']
    head.load_state_dict(copy.deepcopy(state_dict), strict=True)
    return head.eval()


def set_mode(head, mode):
    """The pack's two modes: eval, or train with dropout off."""
    if mode == 'eval':
        return head.eval()
    head.train()
    for module in head.modules():
        if isinstance(module, (torch.nn.Dropout, torch.nn.Dropout2d)):
            module.eval()
    return head


def inputs(pack):
    return [x.clone() for x in pack['inputs']]


def close(actual, expected, atol=ATOL, rtol=RTOL):
    torch.testing.assert_close(
        actual.double(), torch.as_tensor(expected).double(), atol=atol,
        rtol=rtol)


def check_checksum(tensor, checksum, rtol=1e-6):
    tensor = tensor.double()
    assert tensor.sum().item() == pytest.approx(
        checksum['sum'], rel=rtol, abs=1e-3)
    assert tensor.abs().sum().item() == pytest.approx(
        checksum['abs_sum'], rel=rtol)
    assert (tensor**2).sum().item() == pytest.approx(
        checksum['sumsq'], rel=rtol)


@torch.no_grad()
def test_ff_token_path_and_test_output(family):
    name, pack = family
    head = build_from_config(FAMILIES[name][0], pack, 'ff')
    out = pack['outputs']
    levels = head._transform_inputs(inputs(pack))
    fused = head._fuse(levels)
    close(fused, out['fusion_conv_out'])
    logits = head.token_logits(fused)
    ref = out['token_logits']
    close(logits[:, :ref['channels_0_to_slice'].shape[1]],
          ref['channels_0_to_slice'])
    close(logits.logsumexp(1), ref['logsumexp'])
    top = logits.topk(ref['topk_values'].shape[1], dim=1)
    close(top.values, ref['topk_values'])
    check_checksum(logits, ref['checksum'])
    assert torch.equal(logits.argmax(1), out['token_argmax'].long())

    maskige = head.decoded_maskige(inputs(pack))
    assert maskige.shape == (2, 3, 128, 128)  # 2× the 64×64 image
    close(maskige, out['maskige'])
    scores = head.forward_test(inputs(pack), None, None)
    assert tuple(scores.shape) == tuple(out['forward_test']['shape'])
    # A one-hot, as the authors' head returns.
    assert torch.equal(scores.sum(1), torch.ones_like(scores[:, 0]))
    assert torch.equal(scores.argmax(1),
                       out['forward_test']['labels'].long())


@pytest.mark.parametrize('mode', MODES)
def test_ff_training_losses(family, mode):
    name, pack = family
    head = set_mode(build_from_config(FAMILIES[name][0], pack, 'ff'), mode)
    ref = pack['outputs']['forward_train'][mode]
    gt = pack['gt_semantic_seg'].clone()
    losses = head.forward_train(inputs(pack), None, gt, None)
    assert torch.equal(gt, pack['gt_semantic_seg'])  # not modified
    official = ref['losses']
    assert losses['loss_token'].item() == pytest.approx(
        official['loss_ce'], rel=RTOL)
    assert losses['loss_pixel'].item() == pytest.approx(
        official['loss_ce_pixel'], rel=RTOL)
    assert losses['acc_pixel'].item() == pytest.approx(
        official['acc_seg_aux'], rel=RTOL)

    # The targets themselves: same fill, same tokens, same ignored tokens.
    with torch.no_grad():
        head = set_mode(build_from_config(FAMILIES[name][0], pack, 'ff'),
                        mode)
        token_logits, pixel_logits = head(inputs(pack))
        labels = head.tokenizer_labels(gt, token_logits.shape[2:])
        assert torch.equal(labels, ref['pixel_seg_label'][:, 0].long())
        pixel_logits = torch.nn.functional.interpolate(
            pixel_logits, size=labels.shape[1:], mode='bilinear',
            align_corners=False)
        targets = head.token_targets(labels, pixel_logits)
    expected = ref['token_targets_masked'][:, 0]
    assert (targets == head.tokenizer.num_tokens).sum() == \
        ref['n_ignored_tokens']
    assert torch.equal(targets, expected)


@torch.no_grad()
def test_ftw_test_output(family):
    name, pack = family
    head = build_from_config(FAMILIES[name][1], pack, 'ftw')
    ref = pack['ftw_outputs']['forward_test']
    logits = head.forward_test(inputs(pack), None, None)
    assert logits.shape[2:] == (128, 128)  # X⁻¹ on the 2× maskige
    y0, y1, x0, x1 = ref.get('crop_box_y0y1x0x1', (64, 72, 64, 76))
    close(logits[:, :, y0:y1, x0:x1], ref['crop'])
    close(logits.max(1).values, ref['max'])
    close(logits.logsumexp(1), ref['logsumexp'])
    check_checksum(logits, ref['checksum'], rtol=1e-5)
    top2 = logits.topk(2, dim=1).values
    safe = (top2[:, 0] - top2[:, 1]) > 1e-4
    assert safe.float().mean() > 0.5
    assert torch.equal(logits.argmax(1)[safe], ref['argmax'].long()[safe])


@pytest.mark.parametrize('mode', MODES)
def test_ftw_training_losses(family, mode):
    name, pack = family
    head = set_mode(build_from_config(FAMILIES[name][1], pack, 'ftw'), mode)
    ref = pack['ftw_outputs']['forward_train'][mode]
    losses = head.forward_train(inputs(pack), None,
                                pack['gt_semantic_seg'].clone(), None)
    for key, value in ref['losses'].items():
        assert losses[key].item() == pytest.approx(value, rel=RTOL), key
