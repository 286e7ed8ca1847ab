"""Training-step cost of GSS-FF's targets and token loss on a CPU.

Two parts of a GSS-FF training step grow with the tokenizer's codebook:

* **targets**: the frozen tokenizer encodes the ground truth every step.
  With the class-pattern maskige VQ-VAE every 4×4 cell is matched against
  every codeword; ``MaskigeVQVAE.encode`` matches each *distinct* cell once
  (``ClassPatternEncoder.unique_cells``), which gives the same tokens.
* **token loss**: cross-entropy over B·h·w cells × N codes. mmseg's
  ``CrossEntropyLoss`` reads a float32 copy of the bf16 logits;
  ``TokenCrossEntropyLoss`` works on row chunks of the bf16 logits.

  Its exp() is clamped at −87: below, torch's CPU kernel takes a slow path
  for subnormal and zero results, where most logits of a trained model's
  cells are.

Both are timed alone (the loss on B·h·w = 16,384 cells of random logits
and of the trained model's logits, if ``work_dirs/<config>/latest.pth``
exists; the encoder on CamVid train labels) and in the full training step
of the config at its initial weights (forward, loss, backward under the
config's ``cpu_bf16``, so fp32 on a CPU without bf16 arithmetic),
interleaved in one process so that machine noise
hits all variants alike (default config: the converged CamVid suite's
GSS-FF)::

    python benchmarks/bench_token_loss.py [--config CONFIG] \
        [--checkpoint CKPT] [--codes 1024 4096] [--repeats 5]

Writes ``benchmarks/results/bench_token_loss.json``.
"""
import argparse
import copy
import glob
import os.path as osp
import statistics
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gss  # noqa: E402,F401
import mmcv  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmcv.cnn.utils import revert_sync_batchnorm  # noqa: E402
from mmseg.models import build_loss, build_segmentor  # noqa: E402

from gss.apis import apply_cpu_bf16  # noqa: E402
from gss.models.losses import token_cross_entropy  # noqa: E402
from gss.utils import load_checkpoint  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
RESULTS = osp.join(ROOT, 'benchmarks', 'results')
MMSEG_LOSS = dict(type='CrossEntropyLoss', loss_weight=0.8,
                  avg_non_ignore=True, loss_name='loss_token')
TOKEN_LOSS = dict(type='TokenCrossEntropyLoss', loss_weight=0.8)


def interleaved(fns, repeats):
    """Median seconds of each function, run in turn after one warm-up."""
    times = {name: [] for name in fns}
    for rep in range(repeats + 1):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            if rep:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def train_crops(data_root, batch, size, norm, seed=0):
    """``batch`` random ``size``² crops of CamVid train frames.

    Returns:
        tuple: (B, 3, size, size) normalised images, (B, size, size) long
        labels (void → 255), and whether they are real; random images and
        blocky synthetic labels where the data is absent.
    """
    rng = np.random.default_rng(seed)
    files = sorted(glob.glob(osp.join(data_root, 'trainannot', '*.png')))
    images, labels = [], []
    for i in range(batch):
        if not files:
            labels.append(np.kron(
                rng.integers(0, 11, (size // 32, size // 32)),
                np.ones((32, 32), np.int64)))
            images.append(rng.normal(size=(size, size, 3)).astype(
                np.float32))
            continue
        ann = files[rng.integers(len(files))]
        label = mmcv.imread(ann, 'unchanged')
        image = mmcv.imread(ann.replace('trainannot', 'train'))
        y = rng.integers(label.shape[0] - size + 1)
        x = rng.integers(label.shape[1] - size + 1)
        label = label[y:y + size, x:x + size].astype(np.int64)
        label[label >= 11] = 255
        labels.append(label)
        images.append(mmcv.imnormalize(
            image[y:y + size, x:x + size], np.array(norm['mean']),
            np.array(norm['std']), norm['to_rgb']))
    images = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2)
    return images.float(), torch.from_numpy(np.stack(labels)), bool(files)


def full_encode(tokenizer):
    """``tokenizer.encode`` without the distinct-cell shortcut."""
    return lambda labels: tokenizer.quantizer(
        tokenizer._encode_latent(labels))[1]


def loss_row(part, logits, targets, repeats, unclamped=False):
    """mmseg's loss on a float32 copy vs TokenCrossEntropyLoss, on (N, C)
    bf16 logits; ``unclamped`` also times the latter without its clamp of
    exp()'s argument (``MIN_EXP_ARG``)."""
    num_codes = logits.shape[1]
    losses = dict(mmseg=build_loss(MMSEG_LOSS),
                  token=build_loss(TOKEN_LOSS))
    if unclamped:
        losses['unclamped'] = build_loss(TOKEN_LOSS)
    grads = {}

    def step(name):
        x = logits.clone().requires_grad_()
        clamp = token_cross_entropy.MIN_EXP_ARG
        if name == 'unclamped':
            token_cross_entropy.MIN_EXP_ARG = -float('inf')
        try:
            with torch.autocast('cpu', torch.bfloat16):
                # mmseg's loss on the head's float32 copy, as before.
                inp = x.float() if name == 'mmseg' else x
                loss = losses[name](inp, targets, ignore_index=num_codes)
            loss.backward()
        finally:
            token_cross_entropy.MIN_EXP_ARG = clamp
        grads[name] = (loss.item(), x.grad.float())

    times = interleaved({n: lambda n=n: step(n) for n in losses}, repeats)
    row = dict(part=part, before=times['mmseg'], after=times['token'],
               loss_diff=abs(grads['mmseg'][0] - grads['token'][0]),
               grad_max_diff=(grads['mmseg'][1] - grads['token'][1]).abs()
               .max().item())
    if unclamped:
        row['after_without_exp_clamp'] = times['unclamped']
    return row


def random_loss_row(num_codes, cells, repeats):
    torch.manual_seed(0)
    logits = (3 * torch.randn(cells, num_codes)).bfloat16()
    targets = torch.randint(0, num_codes, (cells, ))
    targets[::10] = num_codes  # ignored cells
    return loss_row(
        f'token loss, {cells} cells x {num_codes} codes, random logits',
        logits, targets, repeats)


def trained_loss_row(model, checkpoint, images, labels, repeats):
    """The loss on the token logits of a trained model (``checkpoint``)
    for the batch: confident logits, most far below each cell's maximum,
    where an unclamped exp() takes its slow path."""
    load_checkpoint(model, checkpoint, map_location='cpu')
    head = model.decode_head
    with torch.no_grad(), torch.autocast('cpu', torch.bfloat16):
        token_logits, pixel_logits = head(model.extract_feat(images))
        grid_labels = head.tokenizer_labels(labels[:, None],
                                            token_logits.shape[2:])
        targets = head.token_targets(
            grid_labels, torch.nn.functional.interpolate(
                pixel_logits.float(), size=grid_labels.shape[1:],
                mode='bilinear'))
    logits = token_logits.permute(0, 2, 3, 1).flatten(0, 2).bfloat16()
    gap = logits.float().amax(1, keepdim=True) - logits.float()
    row = loss_row(
        f'token loss, trained model ({osp.basename(checkpoint)}) logits',
        logits.contiguous(), targets.flatten(), repeats, unclamped=True)
    row['share_below_max_minus_87'] = (gap > 87).float().mean().item()
    return row


def encode_row(tokenizer, labels, repeats):
    tokenizer.eval()
    full = full_encode(tokenizer)
    same = torch.equal(full(labels), tokenizer.encode(labels))
    distinct = tokenizer.encoder.unique_cells(labels)[0].shape[2]
    times = interleaved(dict(full=lambda: full(labels),
                             distinct=lambda: tokenizer.encode(labels)),
                        repeats)
    return dict(part=f'targets: encode {tuple(labels.shape)} labels, '
                f'{tokenizer.num_tokens} codes',
                before=times['full'], after=times['distinct'],
                tokens_equal=same, distinct_cells=distinct,
                cells=labels.numel() // tokenizer.downsample**2)


def step_row(cfg, images, labels, repeats):
    model = revert_sync_batchnorm(build_segmentor(copy.deepcopy(
        cfg.model))).train()
    model.init_weights()
    apply_cpu_bf16(model, cfg, 'cpu')  # as tools/train.py, on this CPU
    head = model.decode_head
    distinct_encode = head.tokenizer.encode  # the bound method
    variants = {
        'before': (build_loss(MMSEG_LOSS), full_encode(head.tokenizer)),
        'distinct cells': (build_loss(MMSEG_LOSS), distinct_encode),
        'after': (build_loss(TOKEN_LOSS), distinct_encode),
    }
    b, (h, w) = len(labels), labels.shape[1:]
    meta = dict(ori_shape=(h, w, 3), img_shape=(h, w, 3),
                pad_shape=(h, w, 3), scale_factor=1.0, flip=False)
    data = dict(img=images, img_metas=[meta] * b,
                gt_semantic_seg=labels[:, None])

    def step(name):
        head.loss_token, head.tokenizer.encode = variants[name]
        model.zero_grad()
        losses = model.forward_train(**data)
        sum(v for k, v in losses.items() if 'loss' in k).backward()

    times = interleaved({n: lambda n=n: step(n) for n in variants}, repeats)
    del head.tokenizer.encode  # back to the method
    return model, dict(
        part='training step, initial weights (forward + loss + backward)',
        before=times['before'], distinct_cells_only=times['distinct cells'],
        after=times['after'])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--config',
        default=osp.join(ROOT, 'configs', 'gss', 'camvid',
                         'gss-ff-balanced_effnet-lite0_256x256_2k_camvid.py'))
    parser.add_argument('--codes', type=int, nargs='+', default=[1024, 4096])
    parser.add_argument('--checkpoint', help='trained model for the '
                        'confident-logits row (default: work_dirs/<config '
                        'name>/latest.pth, skipped if absent)')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--out',
                        default=osp.join(RESULTS, 'bench_token_loss.json'))
    args = parser.parse_args()
    cfg = mmcv.Config.fromfile(args.config)
    cfg.model.backbone.pretrained = None  # cost only
    if not osp.exists(cfg.model.decode_head.tokenizer.get('checkpoint')
                      or ''):
        cfg.model.decode_head.tokenizer.checkpoint = None
    (ch, cw), batch = cfg.crop_size, cfg.data.samples_per_gpu
    images, labels, real = train_crops(cfg.data.train.data_root, batch, ch,
                                       cfg.img_norm_cfg)
    rows = [random_loss_row(n, batch * ch * cw // 16, args.repeats)
            for n in args.codes]
    model, model_step = step_row(cfg, images, labels, args.repeats)
    rows.append(encode_row(model.decode_head.tokenizer, labels,
                           args.repeats))
    rows.append(model_step)
    checkpoint = args.checkpoint or osp.join(
        ROOT, 'work_dirs', osp.splitext(osp.basename(args.config))[0],
        'latest.pth')
    if osp.exists(checkpoint):
        rows.insert(len(args.codes), trained_loss_row(
            model, checkpoint, images, labels, args.repeats))
    print(f'{"part":72s} {"before s":>9s} {"after s":>8s} {"speed-up":>9s}')
    for r in rows:
        r['speedup'] = r['before'] / r['after']
        print(f'{r["part"]:72s} {r["before"]:9.3f} {r["after"]:8.3f} '
              f'{r["speedup"]:8.2f}x')
    write_results(args.out, rows=rows,
                  config=osp.relpath(args.config, ROOT),
                  labels='CamVid train crops' if real else 'synthetic',
                  tokenizer_checkpoint=cfg.model.decode_head.tokenizer
                  .checkpoint, repeats=args.repeats)


if __name__ == '__main__':
    main()
