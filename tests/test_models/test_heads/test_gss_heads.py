"""GSS-FF / GSS-FT-W heads: targets, losses, training, inference, layout."""
import copy
import inspect

import mmcv
import numpy as np
import pytest
import torch
from mmcv.runner import build_optimizer
from mmseg.models import build_segmentor

import tests.patch_tokenizer  # noqa: F401  (registers PatchLabelTokenizer)
from gss.maskige import DEFAULT_INVERSE_SCORES, TrainingFreeInverse
from gss.models.heads import GSSFFHead
from gss.models.segmentors import MaskigeAutoencoder
from gss.utils.checkpoint import is_ftw_inverse_key
from tests.conftest import tiny_fcn_config

K = 11


def tiny_cfg(head='GSSFFHead', tokenizer=None, **head_kwargs):
    norm_cfg = dict(type='BN', requires_grad=True)
    head_cfg = dict(
        type=head,
        in_channels=[8, 16, 32, 64],
        in_index=[0, 1, 2, 3],
        channels=16,
        num_classes=K,
        dropout_ratio=0.0,
        tokenizer=tokenizer or dict(type='PatchLabelTokenizer'),
        palette='camvid',
        fusion_channels=32,
        classifier_channels=32,
        swin_depth=2,
        swin_num_heads=2,
        norm_cfg=norm_cfg)
    head_cfg.update(head_kwargs)
    return mmcv.ConfigDict(
        type='EncoderDecoder',
        backbone=tiny_fcn_config().backbone,
        decode_head=head_cfg,
        train_cfg=dict(),
        test_cfg=dict(mode='whole'))


def metas(n, size=32):
    return [
        dict(img_shape=(size, size, 3), ori_shape=(size, size, 3),
             pad_shape=(size, size, 3), flip=False) for _ in range(n)
    ]


def build(cfg):
    model = build_segmentor(cfg)
    model.init_weights()
    return model


@pytest.mark.parametrize('pixel_head', ['separate', 'shared'])
def test_ff_forward_backward(pixel_head):
    torch.manual_seed(0)
    model = build(tiny_cfg(pixel_head=pixel_head))
    img = torch.randn(2, 3, 32, 32)
    gt = torch.randint(0, K, (2, 1, 32, 32))
    feats = model.extract_feat(img)
    token_logits, pixel_logits = model.decode_head(feats)
    assert token_logits.shape == (2, K, 8, 8)  # vocabulary of the tokenizer
    assert pixel_logits.shape == (2, K, 8, 8)
    losses = model.forward_train(img, metas(2), gt)
    assert set(losses) == {'decode.loss_token', 'decode.acc_token',
                           'decode.loss_pixel', 'decode.acc_pixel'}
    loss = losses['decode.loss_token'] + losses['decode.loss_pixel']
    loss.backward()
    assert model.decode_head.conv_seg.weight.grad.abs().sum() > 0
    assert model.decode_head.conv_seg_pixel.weight.grad.abs().sum() > 0
    assert all(p.grad is None
               for p in model.decode_head.tokenizer.parameters())
    if pixel_head == 'shared':
        assert not hasattr(model.decode_head, 'convs_pixel')


def test_token_targets_by_hand():
    head = build(tiny_cfg()).decode_head
    gt = torch.full((1, 1, 8, 8), 255)
    gt[0, 0, :4, :4] = 3        # patch (0,0): road
    gt[0, 0, 0, 4] = 255        # patch (0,1): top-left ignored, rest car
    gt[0, 0, 1:4, 4:8] = 8
    gt[0, 0, 0, 5:8] = 8
    # patch (1,0) fully ignored; patch (1,1): top-left sky
    gt[0, 0, 4, 4] = 0
    labels = head.tokenizer_labels(gt, (2, 2))
    assert torch.equal(labels, gt[:, 0])  # 4× tokenizer: no upsampling
    pixel_logits = torch.zeros(1, K, 8, 8)
    pixel_logits[:, 5] = 1.0    # the aux head says "tree" everywhere
    tokens = head.token_targets(labels, pixel_logits)
    # (0,1): the ignored top-left pixel is filled with the aux argmax (5);
    # (1,0): every pixel ignored -> token ignore index = vocabulary size.
    expected = torch.tensor([[[3, 5], [K, 0]]])
    assert torch.equal(tokens, expected)


@pytest.mark.slow  # an overfit run: minutes on 2 cores
def test_ff_overfits_one_batch():
    torch.manual_seed(0)
    model = build(tiny_cfg())
    img = torch.randn(2, 3, 32, 32)
    gt = torch.zeros(2, 1, 32, 32, dtype=torch.long)
    gt[:, :, 8:, :] = 3
    gt[:, :, 16:24, 8:20] = 8
    gt[:, :, :, 28:] = 2
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=5e-3)

    def miou():
        model.eval()
        pred = torch.from_numpy(np.stack(model.simple_test(img, metas(2))))
        model.train()
        ious = []
        for c in gt.unique():
            p, g = pred == c, gt[:, 0] == c
            ious.append(((p & g).sum() / (p | g).sum()).item())
        return np.mean(ious)

    start_miou = miou()
    first = None
    for _ in range(60):
        losses = model.forward_train(img, metas(2), gt)
        loss = losses['decode.loss_token'] + losses['decode.loss_pixel']
        first = first if first is not None else loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.3 * first
    end_miou = miou()
    assert end_miou > max(start_miou, 0.8)


@pytest.mark.parametrize('residual', [False, True])
def test_ftw_trains_only_the_learnable_inverse(residual):
    torch.manual_seed(0)
    cfg = tiny_cfg('GSSFTWHead', post_seg_channel=16, post_swin_depth=1,
                   post_swin_num_heads=2, frozen_mode='eval',
                   inverse_scores='soft', temperature=1.0,
                   residual=residual)
    cfg.backbone.update(frozen_stages=4, norm_eval=True)
    model = build(cfg)
    model.train()
    before = copy.deepcopy(model.state_dict())
    optimizer = build_optimizer(
        model, dict(type='AdamW', lr=1e-2, weight_decay=0.01))
    img = torch.randn(2, 3, 32, 32)
    gt = torch.randint(0, K, (2, 1, 32, 32))
    losses = []
    for _ in range(8):
        outputs = model.train_step(
            dict(img=img, img_metas=metas(2), gt_semantic_seg=gt), None)
        optimizer.zero_grad()
        outputs['loss'].backward()
        optimizer.step()
        losses.append(outputs['loss'].item())
    assert set(outputs['log_vars']) >= {'decode.loss_ce', 'decode.acc_seg'}
    assert losses[-1] < 0.95 * losses[0], losses
    changed = {k for k, v in model.state_dict().items()
               if not torch.equal(v, before[k])}
    assert changed, 'the learnable X^-1 did not train'
    assert all(map(is_ftw_inverse_key, changed)), \
        sorted(k for k in changed if not is_ftw_inverse_key(k))
    assert any(k.startswith('decode_head.cls_segmap') for k in changed)


@pytest.mark.parametrize('inverse_scores', ['soft', 'one_hot'])
def test_residual_ftw_starts_as_the_gss_ff_model_it_loads(inverse_scores):
    """Untrained, GSS-FT-W residual gives the class logits of the GSS-FF
    checkpoint it starts from, bit for bit; the authors' FT-W does not."""
    from mmcv.runner import load_state_dict
    torch.manual_seed(0)
    ff = build(tiny_cfg(inverse_scores=inverse_scores)).eval()
    img = torch.randn(2, 3, 32, 32)
    expected = ff.encode_decode(img, metas(2))
    for residual in (True, False):
        ftw = build(
            tiny_cfg('GSSFTWHead', post_seg_channel=16, post_swin_depth=1,
                     post_swin_num_heads=2, inverse_scores=inverse_scores,
                     residual=residual)).eval()
        load_state_dict(ftw, ff.state_dict(), strict=False)
        logits = ftw.encode_decode(img, metas(2))
        assert logits.shape == expected.shape == (2, K, 32, 32)
        assert torch.equal(logits, expected) == residual
    assert not torch.equal(ftw.decode_head.cls_segmap.conv.weight,
                           torch.zeros_like(
                               ftw.decode_head.cls_segmap.conv.weight))


@pytest.mark.parametrize('mode', ['whole', 'slide'])
def test_soft_inverse_labels_do_not_depend_on_the_temperature(mode):
    """The soft X⁻¹'s T scales the logits that EncoderDecoder resizes (and,
    sliding, averages) linearly: labels are the same for any T, so a
    residual FT-W may pick its own T and still start from GSS-FF's labels."""
    torch.manual_seed(0)
    model = build(tiny_cfg(inverse_scores='soft')).eval()
    if mode == 'slide':
        model.test_cfg = mmcv.ConfigDict(mode='slide', crop_size=(16, 16),
                                         stride=(12, 12))
    img = torch.randn(2, 3, 40, 40)
    labels = {}
    for temperature in (0.01, 0.1, 1.0):
        model.decode_head.free_inverse.temperature = temperature
        labels[temperature] = model.inference(img, metas(2, 40),
                                              True).argmax(1)
    assert len(labels[0.01].unique()) > 1
    assert torch.equal(labels[0.1], labels[0.01])
    assert torch.equal(labels[1.0], labels[0.01])


def test_whole_and_slide_inference():
    torch.manual_seed(0)
    model = build(tiny_cfg()).eval()
    img = torch.randn(1, 3, 32, 32)
    whole = model.inference(img, metas(1), rescale=True)
    assert whole.shape == (1, K, 32, 32)
    torch.testing.assert_close(whole.sum(1), torch.ones(1, 32, 32))
    # Scores are a softmax of -||x - palette||^2 / T of the decoded maskige:
    # the prediction is exactly the nearest palette colour's class.
    head = model.decode_head
    maskige = head.decoded_maskige(model.extract_feat(img))
    assert torch.equal(whole.argmax(1), head.codec.decode(maskige))
    model.test_cfg = mmcv.ConfigDict(mode='slide', crop_size=(32, 32),
                                     stride=(16, 16))
    torch.testing.assert_close(model.inference(img, metas(1), True), whole)
    model.test_cfg = mmcv.ConfigDict(mode='slide', crop_size=(16, 16),
                                     stride=(8, 8))
    slide = model.inference(img, metas(1), rescale=True)
    assert slide.shape == (1, K, 32, 32)
    torch.testing.assert_close(slide.sum(1), torch.ones(1, 32, 32))


def test_released_ftw_checkpoint_layout_loads():
    """The authors' released FT-W layout loads strictly: an FF state dict
    (dVAE under ``d_vae.``, auxiliary pixel head included, as their merge
    script keeps it) plus the X⁻¹ keys; the pixel head is dropped."""
    from mmcv.runner import load_state_dict
    dalle = dict(type='DalleDVAE', n_hid=16, vocab_size=32, n_init=8,
                 checkpoint=None)
    torch.manual_seed(0)
    ff = build(tiny_cfg(tokenizer=dalle))
    ftw_cfg = tiny_cfg('GSSFTWHead', tokenizer=dalle, post_seg_channel=16,
                       post_swin_depth=1, post_swin_num_heads=2)
    source = build(ftw_cfg)
    released = {
        k.replace('decode_head.tokenizer.', 'decode_head.d_vae.'): v
        for k, v in ff.state_dict().items()
    }
    released.update((k, v) for k, v in source.state_dict().items()
                    if k not in ff.state_dict())
    names = {k.split('.')[1] for k in released if k.startswith('decode_')}
    assert names >= {
        'convs', 'fusion_conv', 'transformer_block', 'swin_ln',
        'conv_before_seg', 'conv_seg', 'convs_pixel', 'fusion_conv_pixel',
        'conv_seg_pixel', 'd_vae', 'projection', 'post_transformer_block',
        'post_swin_ln', 'cls_segmap'
    }
    assert 'decode_head.cls_segmap.conv.weight' in released
    torch.manual_seed(1)
    target = build(ftw_cfg)
    load_state_dict(target, dict(released), strict=True)
    for key, value in target.state_dict().items():
        old = key.replace('decode_head.tokenizer.', 'decode_head.d_vae.')
        assert torch.equal(value, released[old]), key


def test_aug_test_averages_flipped_views():
    """--aug-test: scores of a flipped view are flipped back and averaged."""
    torch.manual_seed(0)
    model = build(tiny_cfg()).eval()
    img = torch.randn(1, 3, 32, 32)
    plain, flipped = metas(1), metas(1)
    flipped[0].update(flip=True, flip_direction='horizontal')
    aug = model.aug_test([img, img.flip(3)], [plain, flipped])
    expected = (model.inference(img, plain, True) +
                model.inference(img.flip(3), flipped, True)) / 2
    assert np.array_equal(aug[0], expected.argmax(1)[0].numpy())
    # the flipped view, flipped back, is itself a valid prediction
    back = model.inference(img.flip(3), flipped, True)
    torch.testing.assert_close(back.sum(1), torch.ones(1, 32, 32))



def test_mixed_cells_by_hand():
    from gss.models.utils import mixed_cells
    ignore = 255
    labels = torch.tensor([[
        [1, 1, 2, 2, 5, 5],
        [1, 1, 2, 3, 5, ignore],
        [ignore, ignore, 4, 4, 0, 0],
        [ignore, ignore, 4, ignore, 0, 7],
    ]])
    assert mixed_cells(labels, (2, 3), ignore).tolist() == [[
        [False, True, False],  # one class; 2 and 3; 5 with an ignored pixel
        [False, False, True],  # all ignored; 4 with ignored; 0 and 7
    ]]
    with pytest.raises(ValueError, match='does not tile'):
        mixed_cells(labels, (3, 3), ignore)


def train_with_token_rows(model, img, gt):
    """The losses of a training step on 32×32 images, with the step's token
    targets and the unweighted CE of each cell, (B, 8, 8), recomputed from
    the head's own logits."""
    head = model.decode_head
    losses = model.forward_train(img, metas(img.shape[0]), gt)
    token_logits, pixel_logits = head(model.extract_feat(img))
    labels = head.tokenizer_labels(gt, (8, 8))
    targets = head.token_targets(labels, torch.nn.functional.interpolate(
        pixel_logits, size=(32, 32), mode='bilinear'))
    rows = torch.nn.functional.cross_entropy(
        token_logits, targets.clamp(max=K - 1), reduction='none')
    return losses, targets, rows


@pytest.mark.parametrize('loss', ['CrossEntropyLoss', 'TokenCrossEntropyLoss'])
def test_mixed_cell_weight_weights_the_token_loss_of_mixed_cells(loss):
    """With mixed_cell_weight=w, the token loss is the cells' CE, times w
    for the cells of two or more labelled classes, divided by the number
    of cells (by hand, from the head's own logits and targets)."""
    loss_token = dict(type=loss, loss_weight=0.8, loss_name='loss_token')
    if loss == 'CrossEntropyLoss':
        loss_token['avg_non_ignore'] = True
    torch.manual_seed(0)
    model = build(tiny_cfg(mixed_cell_weight=3.0, loss_token=loss_token))
    img = torch.randn(2, 3, 32, 32)
    gt = torch.full((2, 1, 32, 32), 3)
    gt[0, 0, :, 10:] = 8    # columns 8..11 mix road and car: 8 mixed cells
    gt[0, 0, 0, 0] = 255    # an ignored pixel keeps cell (0, 0) one-class
    gt[0, 0, 28:, 28:] = 255  # a fully ignored cell
    gt[1, 0, 6:, :] = 0     # row 1 of the cells mixes road and sky
    losses, targets, rows = train_with_token_rows(model, img, gt)
    mixed = torch.zeros(2, 8, 8, dtype=torch.bool)
    mixed[0, :, 2] = True
    mixed[1, 1, :] = True
    keep = targets != K
    assert keep.sum() == 127
    weight = torch.where(mixed, 3.0, 1.0)
    by_hand = 0.8 * (rows * weight)[keep].sum() / keep.sum()
    torch.testing.assert_close(losses['decode.loss_token'], by_hand)
    unweighted = 0.8 * rows[keep].mean()
    assert losses['decode.loss_token'] > unweighted + 1e-3


def test_cell_class_weights_by_hand():
    from gss.models.utils import cell_class_weights
    ignore = 255
    labels = torch.tensor([[
        [1, 1, 2, 2],
        [1, 0, 2, ignore],
        [ignore, ignore, 0, 0],
        [ignore, ignore, 0, 2],
    ]])
    class_weight = torch.tensor([0.5, 2.0, 4.0])
    torch.testing.assert_close(
        cell_class_weights(labels, (2, 2), class_weight, ignore),
        torch.tensor([[[(3 * 2.0 + 0.5) / 4, 4.0],
                       [0.0, (3 * 0.5 + 4.0) / 4]]]))


def test_cell_class_weight_weights_each_cell_by_its_classes():
    """The token loss weighs a cell by its pixels' mean class weight, times
    mixed_cell_weight on mixed cells (by hand, from the head's own logits
    and targets); the pixel loss is untouched."""
    class_weight = [1.0] * K
    class_weight[0], class_weight[3], class_weight[8] = 2.0, 0.5, 3.0
    torch.manual_seed(0)
    model = build(tiny_cfg(mixed_cell_weight=2.0,
                           cell_class_weight=class_weight))
    img = torch.randn(2, 3, 32, 32)
    gt = torch.full((2, 1, 32, 32), 3)
    gt[0, 0, :, 10:] = 8    # cells of column 2 hold 2 road and 2 car columns
    gt[1, 0, 6:, :] = 0     # cells of row 1: 2 road rows and 2 sky rows
    gt[1, 0, :4, :4] = 255  # a fully ignored cell
    losses, targets, rows = train_with_token_rows(model, img, gt)
    weight = torch.full((2, 8, 8), 0.5)  # road
    weight[0, :, 3:] = 3.0               # car
    weight[0, :, 2] = 2.0 * (0.5 + 3.0) / 2  # mixed: ×2, mean of the pixels
    weight[1, 2:, :] = 2.0               # sky
    weight[1, 1, :] = 2.0 * (0.5 + 2.0) / 2
    keep = targets != K
    assert keep.sum() == 127
    by_hand = 0.8 * (rows * weight)[keep].sum() / keep.sum()
    torch.testing.assert_close(losses['decode.loss_token'], by_hand)
    plain = build(tiny_cfg())
    # no new state, in what mmcv's save_checkpoint writes: strict load
    from mmcv.runner.checkpoint import get_state_dict
    plain.load_state_dict(get_state_dict(model))
    torch.manual_seed(1)
    plain_losses = plain.forward_train(img, metas(2), gt)
    torch.testing.assert_close(plain_losses['decode.loss_pixel'],
                               losses['decode.loss_pixel'])
    assert not torch.isclose(plain_losses['decode.loss_token'],
                             losses['decode.loss_token'])


def test_cell_class_weight_must_fit_the_classes():
    with pytest.raises(ValueError, match=f'num_classes={K} non-negative'):
        build(tiny_cfg(cell_class_weight=[1.0] * (K - 1)))
    with pytest.raises(ValueError, match='non-negative'):
        build(tiny_cfg(cell_class_weight=[-1.0] + [1.0] * (K - 1)))


def test_mixed_cell_weight_must_be_positive():
    with pytest.raises(ValueError, match='mixed_cell_weight must be'):
        build(tiny_cfg(mixed_cell_weight=0))


def test_token_classifier_is_conv_seg_with_the_nchw_loss():
    """The channels-last token classifier computes conv_seg (a 1×1 conv,
    the released checkpoints' layout), and its loss, accuracy and
    gradients are those of NCHW logits."""
    import torch.nn.functional as F
    from mmseg.models.losses import accuracy
    torch.manual_seed(0)
    head = build(tiny_cfg()).decode_head
    features = {}
    head.conv_before_seg.register_forward_hook(
        lambda module, args, out: features.update(x=out))
    logits = head.token_logits(torch.randn(2, 32, 8, 8))
    reference = F.conv2d(features['x'], head.conv_seg.weight,
                         head.conv_seg.bias)
    torch.testing.assert_close(logits, reference)
    assert logits.shape == (2, K, 8, 8)

    targets = torch.randint(0, K, (2, 8, 8))
    targets[0, :3] = K  # ignored: patches with no label
    losses = head.token_losses(logits, targets)
    (grad, ) = torch.autograd.grad(losses['loss_token'], head.conv_seg.weight)
    expected = head.loss_token(reference, targets, ignore_index=K)
    (expected_grad, ) = torch.autograd.grad(expected, head.conv_seg.weight)
    torch.testing.assert_close(losses['loss_token'], expected)
    torch.testing.assert_close(grad, expected_grad)
    torch.testing.assert_close(losses['acc_token'],
                               accuracy(reference, targets, ignore_index=K))


@pytest.mark.parametrize('autocast', [False, True])
def test_token_cross_entropy_loss_trains_the_head_as_mmseg_loss(autocast):
    """loss_token=TokenCrossEntropyLoss reads the (bf16 under autocast)
    logits without a float32 copy; loss, accuracy and gradients are those
    of mmseg's CrossEntropyLoss(avg_non_ignore=True) on the copy."""
    torch.manual_seed(0)
    models = {
        name: build(tiny_cfg(loss_token=loss))
        for name, loss in (
            ('mmseg', dict(type='CrossEntropyLoss', loss_weight=0.8,
                           avg_non_ignore=True, loss_name='loss_token')),
            ('token', dict(type='TokenCrossEntropyLoss', loss_weight=0.8)))
    }
    models['token'].load_state_dict(models['mmseg'].state_dict())
    img = torch.randn(2, 3, 32, 32)
    gt = torch.randint(0, K, (2, 1, 32, 32))
    gt[0, 0, :8] = 255
    out = {}
    for name, model in models.items():
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=autocast):
            losses = model.forward_train(img, metas(2), gt)
        losses['decode.loss_token'].backward()
        out[name] = (losses, model.decode_head.conv_seg.weight.grad)
    (ref, ref_grad), (new, new_grad) = out['mmseg'], out['token']
    for key in ('decode.loss_token', 'decode.acc_token'):
        torch.testing.assert_close(new[key], ref[key])
    assert new_grad.abs().sum() > 0
    torch.testing.assert_close(new_grad, ref_grad)


def test_factorised_token_classifier_shapes_and_training():
    """token_classifier_rank=r: a C → r (no bias) → N classifier; logits
    keep the dense classifier's shape and both factors learn."""
    torch.manual_seed(0)
    model = build(tiny_cfg(token_classifier_rank=4))
    head = model.decode_head
    assert head.token_basis.weight.shape == (4, 32, 1, 1)
    assert head.token_basis.bias is None
    assert head.conv_seg.weight.shape == (K, 4, 1, 1)
    img = torch.randn(2, 3, 32, 32)
    token_logits, _ = head(model.extract_feat(img))
    assert token_logits.shape == (2, K, 8, 8)
    losses = model.forward_train(img, metas(2),
                                 torch.randint(0, K, (2, 1, 32, 32)))
    losses['decode.loss_token'].backward()
    assert head.token_basis.weight.grad.abs().sum() > 0
    assert head.conv_seg.weight.grad.abs().sum() > 0
    # the published (dense) head has no factor
    assert build(tiny_cfg()).decode_head.token_basis is None


def test_full_rank_factorised_classifier_represents_the_dense_one():
    """With r = C the factorised classifier spans every dense classifier:
    W₂·W₁ with W₁ = I and W₂ = W reproduces the dense logits."""
    torch.manual_seed(0)
    dense = build(tiny_cfg()).decode_head.eval()
    factorised = build(tiny_cfg(token_classifier_rank=32)).decode_head.eval()
    state = dense.state_dict()
    state['token_basis.weight'] = torch.eye(32)[:, :, None, None]
    factorised.load_state_dict(state)
    fused = torch.randn(2, 32, 8, 8)
    torch.testing.assert_close(factorised.token_logits(fused),
                               dense.token_logits(fused))


@pytest.mark.parametrize('rank', [0, 2.5, '8'])
def test_token_classifier_rank_must_be_a_positive_int(rank):
    with pytest.raises(ValueError, match='token_classifier_rank must be'):
        build(tiny_cfg(token_classifier_rank=rank))


def test_palette_flows_to_a_class_reading_tokenizer():
    """The palette and K are given once, to the head: the class-pattern
    tokenizer takes them; one configured with other colours (the CamVid
    head with a Cityscapes tokenizer) is an error at build time."""
    vqvae = dict(type='MaskigeVQVAE', quantizer=dict(
        type='EMAVectorQuantizer', num_codes=16))
    head = build(tiny_cfg(tokenizer=vqvae)).decode_head
    codec = head.tokenizer.palette_codec
    assert codec.num_classes == K
    assert torch.equal(codec.colors, head.codec.colors)
    wrong = dict(vqvae, palette='cityscapes', num_classes=19)
    with pytest.raises(ValueError, match="palette 'cityscapes' \\(19 "
                       "classes\\) but the model paints them with 'camvid' "
                       "\\(11 classes\\)"):
        build(tiny_cfg(tokenizer=wrong))


@pytest.mark.parametrize('head', ['GSSFFHead', 'GSSFTWHead'])
def test_authors_argument_names_still_build_with_a_warning(head):
    """indice_* are the authors' names: they build the same head, with a
    DeprecationWarning that names the new argument."""
    from gss.models.heads.gss_ff_head import DEPRECATED_ARGUMENTS
    extra = dict(pixel_head=None) if head == 'GSSFTWHead' else {}
    new = tiny_cfg(head, token_level_index=1, fusion_channels=24,
                   classifier_channels=40, **extra)
    old = copy.deepcopy(new)
    for old_name, new_name in DEPRECATED_ARGUMENTS.items():
        old.decode_head[old_name] = old.decode_head.pop(new_name)
    torch.manual_seed(0)
    expected = build(new).decode_head
    with pytest.warns(DeprecationWarning) as record:
        torch.manual_seed(0)
        built = build(old).decode_head
    messages = ' '.join(str(w.message) for w in record)
    for old_name, new_name in DEPRECATED_ARGUMENTS.items():
        assert f'"{old_name}" is deprecated' in messages
        assert f'please use "{new_name}"' in messages
    assert built.token_level_index == 1
    assert built.conv_before_seg.conv.in_channels == 24
    assert built.conv_seg.in_channels == 40
    state, reference = built.state_dict(), expected.state_dict()
    assert state.keys() == reference.keys()
    assert all(torch.equal(state[k], reference[k]) for k in state)
    both = copy.deepcopy(new)
    both.decode_head['indice_seg_channel'] = 24
    with pytest.raises(AssertionError, match='`indice_seg_channel'):
        build(both)


def test_neighbourhood_inverse_is_selectable():
    """``inverse_scores='neighbourhood'``: the prediction is the
    neighbourhood-constrained X⁻¹ of the decoded maskige."""
    torch.manual_seed(0)
    model = build(tiny_cfg(inverse_scores='neighbourhood',
                           neighbourhood_window=3,
                           neighbourhood_tolerance=20.0)).eval()
    img = torch.randn(1, 3, 32, 32)
    pred = model.inference(img, metas(1), rescale=True).argmax(1)
    head = model.decode_head
    maskige = head.decoded_maskige(model.extract_feat(img))
    scores = head.codec.neighbourhood_one_hot(maskige, 3, 20.0)
    expected = torch.nn.functional.interpolate(
        scores, size=(32, 32), mode='bilinear', align_corners=False)
    assert torch.equal(pred, expected.argmax(1))
    with pytest.raises(ValueError, match="'neighbourhood'"):
        build(tiny_cfg(inverse_scores='nearest'))


def test_heads_and_stage1_share_one_training_free_inverse():
    """One X⁻¹ option: the GSS heads and the stage-I autoencoder take
    ``inverse_scores`` and its settings with the component's defaults and
    compute it with :class:`~gss.maskige.TrainingFreeInverse`."""
    component = inspect.signature(TrainingFreeInverse).parameters
    assert component['scores'].default == DEFAULT_INVERSE_SCORES
    for cls in (GSSFFHead, MaskigeAutoencoder):
        params = inspect.signature(cls.__init__).parameters
        assert params['inverse_scores'].default == DEFAULT_INVERSE_SCORES
        for name in ('temperature', 'neighbourhood_window',
                     'neighbourhood_tolerance'):
            assert params[name].default == component[name].default, name
    model = build(tiny_cfg(inverse_scores='soft', temperature=0.5))
    assert isinstance(model.decode_head.free_inverse, TrainingFreeInverse)
    assert (model.decode_head.free_inverse.scores,
            model.decode_head.free_inverse.temperature) == ('soft', 0.5)
