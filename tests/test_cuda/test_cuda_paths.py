"""The CUDA paths: AMP training and testing, DDP over NCCL with SyncBN,
and CUDA inference against the CPU.

Skipped without a GPU (CI has none); run them on a GPU machine with
``pytest tests/test_cuda``. The CPU-side halves are covered elsewhere:
autocast-invariant tokens (``test_vqvae.py``), gloo DDP
(``test_train_test.py``).
"""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from tests.conftest import ROOT, load_tool, run_options
from tests.test_configs.tiny_gss import batch, build_tiny

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason='needs a CUDA GPU')
CFG = osp.join(ROOT, 'configs', 'gss', 'synthetic')
AMP = ("optimizer_config = dict(type='Fp16OptimizerHook', "
       "loss_scale='dynamic')\nfp16 = dict(loss_scale='dynamic')\n")


def opts(root, *extra):
    return run_options(root, 'lr_config.warmup_iters=5', *extra)


def amp_config(tmp_path, name):
    """``configs/gss/synthetic/<name>`` with mixed precision switched on,
    the way an mmseg 0.x user does it."""
    path = tmp_path / f'amp_{name}'
    path.write_text(f"_base_ = '{osp.join(CFG, name)}'\n{AMP}")
    return str(path)


def json_log(work_dir, mode):
    """Records of one mode ('train' or 'val') of a run's mmcv json log."""
    (log, ) = glob.glob(osp.join(work_dir, '*.log.json'))
    rows = [json.loads(line) for line in open(log)]
    return [r for r in rows if r.get('mode') == mode]


def eval_metric(work_dir):
    (result, ) = glob.glob(osp.join(work_dir, 'eval_*.json'))
    return json.load(open(result))['metric']


def test_amp_training_and_test(street_data, tmp_path):
    """Stage I and GSS-FF train with Fp16OptimizerHook (autocast + dynamic
    loss scaling): losses stay finite and fall, the tokenizer inside the
    FF checkpoint is stage I's, and the fp16 test step reports a metric."""
    train, test = load_tool('train'), load_tool('test')
    w1, w2 = str(tmp_path / 'vq'), str(tmp_path / 'ff')
    train.main([amp_config(tmp_path, 'vqvae_synthetic.py'), '--work-dir', w1,
                *opts(street_data, 'runner.max_iters=20',
                      'checkpoint_config.interval=20',
                      'evaluation.interval=20')])
    stage1 = osp.join(w1, 'latest.pth')
    (stage1_eval, ) = json_log(w1, 'val')
    assert stage1_eval['mIoU'] > 0.3
    ff_cfg = amp_config(tmp_path, 'gss-ff_r18_synthetic.py')
    train.main([ff_cfg, '--work-dir', w2, '--no-validate',
                *opts(street_data, 'runner.max_iters=40',
                      'checkpoint_config.interval=40',
                      f'model.decode_head.tokenizer.checkpoint={stage1}')])
    losses = [r['loss'] for r in json_log(w2, 'train')]
    assert len(losses) == 40 and torch.isfinite(torch.tensor(losses)).all()
    assert sum(losses[-5:]) < 0.85 * sum(losses[:5])
    ff = osp.join(w2, 'latest.pth')
    ckpt = torch.load(ff, map_location='cpu', weights_only=False)
    stage1_state = torch.load(stage1, map_location='cpu',
                              weights_only=False)['state_dict']
    for key, value in stage1_state.items():
        assert torch.equal(
            ckpt['state_dict']['decode_head.' + key], value), key

    out = tmp_path / 'test'
    test.main([ff_cfg, ff, '--eval', 'mIoU', '--work-dir', str(out),
               *opts(street_data)])
    metric = eval_metric(str(out))
    assert 0.0 < metric['mIoU'] <= 1.0 and metric['aAcc'] > 0.3


def test_dist_train_nccl_keeps_syncbn(street_data, tmp_path):
    """``tools/dist_train.sh CONFIG 1`` on a GPU: NCCL, SyncBN kept (CPU
    runs turn it into BN), a checkpoint; ``dist_test.sh`` evaluates it."""
    env = dict(os.environ, PYTHON=sys.executable, PORT='29631')
    work = str(tmp_path / 'dist')
    cfg = osp.join(CFG, 'gss-ff_r18_synthetic.py')
    subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), cfg, '1',
         '--work-dir', work, '--no-validate',
         *opts(street_data, 'runner.max_iters=4',
               'checkpoint_config.interval=4',
               'model.decode_head.tokenizer.checkpoint=None')],
        check=True, env=env, cwd=ROOT)
    (log, ) = glob.glob(osp.join(work, '*.log'))
    text = open(log).read()
    assert 'Distributed training: True' in text
    assert 'SyncBatchNorm' in text and 'SyncBN is replaced' not in text
    ckpt = torch.load(osp.join(work, 'latest.pth'), map_location='cpu',
                      weights_only=False)
    assert ckpt['meta']['iter'] == 4
    assert not any(k.startswith('module.') for k in ckpt['state_dict'])

    out = str(tmp_path / 'dist_test')
    subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'dist_test.sh'), cfg,
         osp.join(work, 'latest.pth'), '1', '--eval', 'mIoU',
         '--work-dir', out, *opts(street_data)],
        check=True, env=env, cwd=ROOT)
    assert 0.0 <= eval_metric(out)['mIoU'] <= 1.0


@pytest.mark.parametrize('name', ['gss-ff_r101_768x768_80k_cityscapes',
                                  'gss-ft-w_swin-l_512x512_160k_ade20k'])
def test_cuda_inference_matches_cpu(name):
    """Same weights, same input: CUDA token logits and class scores are the
    CPU ones (TF32 off and the dVAE in float32, so only the summation order
    differs), and under fp16 autocast the token logits stay close."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)
    cfg, model = build_tiny(name)
    model.eval()
    # The published dVAE computes in fp16 on CUDA, as the authors'
    # (test_dalle_fp16_on_cuda_is_the_authors_precision); fp32 here.
    model.decode_head.tokenizer.set_fp16_devices(())
    data = batch(cfg.model.decode_head.num_classes, size=64)

    def run(img, autocast=False):
        with torch.no_grad(), torch.autocast('cuda', torch.float16,
                                             enabled=autocast):
            feats = model.extract_feat(img)
            token_logits = model.decode_head(feats)[0].float().cpu()
            scores = model.encode_decode(img, data['img_metas'])
        return token_logits, scores.float().cpu()

    cpu_tokens, cpu_scores = run(data['img'])
    model.cuda()
    gpu_tokens, gpu_scores = run(data['img'].cuda())
    amp_tokens, _ = run(data['img'].cuda(), autocast=True)
    assert cpu_tokens.shape[:2] == (2, 32) and cpu_scores.shape[2:] == (64, 64)
    torch.testing.assert_close(gpu_tokens, cpu_tokens, rtol=1e-4, atol=1e-4)
    assert torch.equal(gpu_tokens.argmax(1), cpu_tokens.argmax(1))
    # FF scores are one-hots of the nearest colour (the authors' X⁻¹): a
    # colour within rounding of a tie may flip; FT-W logits are smooth.
    agree = (gpu_scores.argmax(1) == cpu_scores.argmax(1)).float().mean()
    assert agree > 0.999
    if 'ft-w' in name:
        torch.testing.assert_close(gpu_scores, cpu_scores, rtol=1e-3,
                                   atol=1e-3)
    scale = cpu_tokens.abs().max()
    torch.testing.assert_close(amp_tokens, cpu_tokens, rtol=0,
                               atol=2e-2 * scale)


def test_tokenizer_codes_under_cuda_autocast():
    """The maskige VQ-VAE gives the same tokens and decoding under fp16
    autocast on the GPU as in float32."""
    from gss.maskige import MaskigeCodec
    from gss.tokenizers import MaskigeVQVAE
    torch.manual_seed(0)
    codec = MaskigeCodec('camvid', 11)
    vq = MaskigeVQVAE(palette='camvid', num_classes=11, channels=16,
                      num_res_blocks=1,
                      quantizer=dict(type='EMAVectorQuantizer',
                                     num_codes=64, decay=0.5)).cuda()
    labels = torch.randint(0, 11, (4, 32, 32)).repeat_interleave(
        2, 1).repeat_interleave(2, 2).cuda()
    inputs = vq.encoder_inputs(labels, codec)
    vq.train()
    for _ in range(5):
        with torch.autocast('cuda', dtype=torch.float16):
            vq(inputs)
    vq.eval()
    with torch.no_grad():
        tokens = vq.encode(inputs)
        decoded = vq.decode(tokens)
        with torch.autocast('cuda', dtype=torch.float16):
            assert torch.equal(vq.encode(inputs), tokens)
            torch.testing.assert_close(vq.decode(tokens), decoded)
    assert torch.isfinite(vq.quantizer.embed).all()


def test_dalle_fp16_on_cuda_is_the_authors_precision():
    """On CUDA the published dVAE (``fp16_devices=('cuda',)``) computes
    what OpenAI's ``dall_e`` modules compute there (fp16 convs but the
    encoder's output and the decoder's input); ``()`` stays float32."""
    import dall_e
    import torch.nn.functional as F
    from gss.tokenizers import DalleDVAE
    from gss.tokenizers.dalle import map_pixels, official_state_dict
    torch.manual_seed(0)
    small = dict(n_hid=64, vocab_size=512, n_init=8)
    encoder = dall_e.Encoder(n_hid=64, vocab_size=512, device='cuda')
    decoder = dall_e.Decoder(n_init=8, n_hid=64, vocab_size=512,
                             device='cuda')
    state_dict = official_state_dict(encoder, decoder)
    half = DalleDVAE(checkpoint=None, **small)
    fp32 = DalleDVAE(checkpoint=None, fp16_devices=(), **small)
    for model in (half, fp32):
        model.load_state_dict(state_dict)
        model.cuda()
    x = torch.rand(2, 3, 32, 48, device='cuda')
    with torch.no_grad():
        logits = encoder(dall_e.map_pixels(x))
        # Same kernels, same inputs; atol only in case cuDNN picks another
        # algorithm for the second module.
        torch.testing.assert_close(half.encoder(map_pixels(x)), logits,
                                   rtol=0, atol=1e-3)
        tokens = torch.randint(512, (2, 4, 6), device='cuda')
        one_hot = F.one_hot(tokens, 512).permute(0, 3, 1,
                                                 2).float().contiguous()
        stats = decoder(one_hot)
        assert stats.dtype == torch.float16
        expected = dall_e.unmap_pixels(torch.sigmoid(stats[:, :3].float()))
        torch.testing.assert_close(half.decode(tokens), expected, rtol=0,
                                   atol=1e-3)
        assert half.decode(tokens).dtype == torch.float32
        assert not torch.equal(fp32.decode(tokens), half.decode(tokens))


def test_tiled_fp16_decoding_matches_the_whole_grid_on_cuda():
    """Tiles decode the same arithmetic as the whole grid; on CUDA (fp16,
    as published) cuDNN may pick other kernels per shape, so the maskiges
    agree to fp16 rounding and nearest-colour X⁻¹ reads the same classes."""
    from gss.maskige import Palette
    from gss.models.utils import map_token_tiles
    from gss.tokenizers import DalleDVAE
    torch.manual_seed(0)
    model = DalleDVAE(checkpoint=None).cuda().eval()
    tokens = torch.randint(model.num_tokens, (1, 40, 56), device='cuda')
    colors = torch.as_tensor(Palette.build('cityscapes', 19).colors,
                             dtype=torch.float32, device='cuda')

    def nearest_colour(maskige):  # (1, 3, H, W) in [0, 1] -> (H, W)
        pixels = maskige[0].flatten(1).t() * 255
        return torch.cdist(pixels, colors).argmin(1)

    with torch.no_grad():
        whole = model.decode(tokens)
        tiled, = map_token_tiles(lambda t: (model.decode(t),), tokens, 16,
                                 model.decode_halo, model.downsample)
        torch.testing.assert_close(tiled, whole, rtol=0, atol=2e-3)
        agree = nearest_colour(tiled) == nearest_colour(whole)
    assert agree.float().mean() >= 0.999
