"""Benchmark palette blends on CamVid val: do class mixes decode to a third?

Where a tokenizer's decoder mixes two class colours at a boundary, nearest-
colour X⁻¹ may return a third class whose colour lies near the mix. This
compares, on the 101 CamVid val label maps,

* the palettes ``camvid`` (maximal distance) and ``camvid-blendsafe``
  (``generate_palette(avoid_blends=...)``: blends of the classes that touch
  most in the training labels kept out of the other colours), and
* the decoders ``nearest`` (``MaskigeCodec.one_hot``, the default X⁻¹) and
  ``neighbourhood`` (``MaskigeCodec.neighbourhood_one_hot``: only classes
  found pure within a 9×9 window can appear),

(a) without any training: label map → maskige → blur (``bilinear4``:
bilinear down 4× and up; ``gauss1.5``: Gaussian, σ = 1.5) → X⁻¹; and
(b) if a stage-I checkpoint of
``configs/gss/camvid/vqvae-1k_128x128_2k_camvid.py`` is given (default
``work_dirs/vqvae-1k_128x128_2k_camvid/latest.pth``, only read), the
tokenizer's real reconstruction (palette ``camvid``, which it was trained
with). Per setting: mIoU, per-class IoU and ``foreign``, the pixels given a
class absent from their true 5×5 neighbourhood (void pixels, which no
metric scores, excluded).
Palette columns: smallest pairwise distance, smallest colour-to-blend
distance (all pairs) and the share of val class boundaries (weighted by how
often each pair touches) whose blends pass through a third colour's cell.

Usage::

    python benchmarks/bench_palette_blends.py [--data data/camvid] \\
        [--checkpoint work_dirs/vqvae-1k_128x128_2k_camvid/latest.pth] \\
        [--out benchmarks/results/palette_blends.json]
"""
import argparse
import glob
import json
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gss  # noqa: E402,F401,I001  (must precede any mmseg import)
import mmcv  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from mmseg.core.evaluation import mean_iou  # noqa: E402

from gss.datasets.camvid import CamVidDataset  # noqa: E402
from gss.maskige import (MaskigeCodec, blend_distance,  # noqa: E402
                         class_adjacency, palette_distances)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(ROOT, 'configs', 'gss', 'camvid',
                  'vqvae-1k_128x128_2k_camvid.py')
PALETTES = ('camvid', 'camvid-blendsafe')
DECODERS = ('nearest', 'neighbourhood')
BLURS = ('bilinear4', 'gauss1.5')
NUM_CLASSES = len(CamVidDataset.CLASSES)
IGNORE = 255
#: Side of the true neighbourhood a predicted class must come from.
TRUE_WINDOW = 5
BATCH = 8


def load_labels(folder):
    """Val label maps as one (N, H, W) long tensor, void as ``IGNORE``."""
    files = sorted(glob.glob(osp.join(folder, '*.png')))
    if not files:
        raise FileNotFoundError(f'no *.png label maps in {folder}: give '
                                '--data, the CamVid root (SegNet layout)')
    labels = np.stack([mmcv.imread(f, flag='unchanged') for f in files])
    labels[labels >= NUM_CLASSES] = IGNORE
    return torch.from_numpy(labels.astype(np.int64))


def blur(maskige, kind):
    """Simulated decoder mixing of a (B, 3, H, W) maskige."""
    if kind == 'bilinear4':
        small = F.interpolate(maskige, scale_factor=0.25, mode='bilinear',
                              align_corners=False, antialias=True)
        return F.interpolate(small, size=maskige.shape[2:], mode='bilinear',
                             align_corners=False)
    sigma = float(kind[len('gauss'):])
    radius = int(3 * sigma + 0.5)
    x = torch.arange(-radius, radius + 1, dtype=maskige.dtype)
    kernel = torch.exp(-x**2 / (2 * sigma**2))
    kernel = (kernel / kernel.sum()).repeat(3, 1, 1)  # (3, 1, k)
    out = F.pad(maskige, (radius, radius, radius, radius), mode='replicate')
    out = F.conv2d(out, kernel[:, :, None, :], groups=3)
    return F.conv2d(out, kernel[:, :, :, None], groups=3)


def decode(codec, maskige, decoder):
    """(B, 3, H, W) maskige → (B, H, W) classes with the given X⁻¹."""
    scores = codec.one_hot(maskige) if decoder == 'nearest' else \
        codec.neighbourhood_one_hot(maskige)
    return scores.argmax(dim=1)


def foreign_pixels(pred, labels):
    """(K,) counts of labelled (not void) pixels predicted as a class absent
    from their true ``TRUE_WINDOW`` neighbourhood, per predicted class."""
    true = F.one_hot(labels.clamp(max=NUM_CLASSES), NUM_CLASSES + 1)
    present = F.max_pool2d(
        true.permute(0, 3, 1, 2).float(), TRUE_WINDOW, stride=1,
        padding=TRUE_WINDOW // 2)
    absent = (present.gather(1, pred[:, None])[:, 0] == 0) & (
        labels != IGNORE)
    return torch.bincount(pred[absent], minlength=NUM_CLASSES)


def score(preds, labels):
    """mIoU, per-class IoU and foreign pixels of (N, H, W) predictions."""
    result = mean_iou(list(preds.numpy()), list(labels.numpy()),
                      NUM_CLASSES, IGNORE)
    foreign = foreign_pixels(preds, labels)
    return dict(
        mIoU=round(100 * float(np.nanmean(result['IoU'])), 2),
        IoU={name: round(100 * float(iou), 2)
             for name, iou in zip(CamVidDataset.CLASSES, result['IoU'])},
        foreign=int(foreign.sum()),
        foreign_by_class={name: int(n) for name, n in
                          zip(CamVidDataset.CLASSES, foreign) if n})


def third_class_share(colors, adjacency, steps=101):
    """Share of class boundaries whose blends decode to a third colour.

    Args:
        colors (np.ndarray): (K + 1, 3) class colours then the ignore one.
        adjacency (np.ndarray): (K + 1, K + 1) :func:`class_adjacency`.
        steps (int): Samples of each blend.

    Returns:
        float: Sum over touching pairs of (their share of all boundaries) x
        (share of their blend samples whose nearest colour is neither).
    """
    colors = colors.astype(np.float64)
    t = np.linspace(0, 1, steps)[:, None]
    upper = np.triu(adjacency, k=1)
    total = 0.0
    for i, j in np.argwhere(upper):
        blends = (1 - t) * colors[i] + t * colors[j]
        nearest = np.linalg.norm(blends[:, None] - colors[None],
                                 axis=-1).argmin(axis=1)
        total += upper[i, j] * np.mean((nearest != i) & (nearest != j))
    return total / upper.sum()


def palette_stats(codec, adjacency):
    colors = torch.cat([codec.colors, codec.ignore_color[None]]).numpy()
    distance, (k, i, j) = blend_distance(colors)
    names = CamVidDataset.CLASSES + ('void', )
    return dict(
        min_distance=round(palette_distances(codec.colors.numpy())[0], 2),
        min_blend_distance=round(distance, 2),
        nearest_blend=f'{names[k]} near {names[i]}+{names[j]}',
        third_class_boundary_share=round(
            third_class_share(colors, adjacency), 4))


def simulated(labels, codec):
    rows = {}
    for kind in BLURS:
        preds = {d: [] for d in DECODERS}
        for start in range(0, len(labels), BATCH):
            maskige = blur(codec.encode(labels[start:start + BATCH]), kind)
            for decoder in DECODERS:
                preds[decoder].append(decode(codec, maskige, decoder))
        for decoder in DECODERS:
            rows[f'{kind}/{decoder}'] = score(torch.cat(preds[decoder]),
                                              labels)
    return rows


def tokenizer_rows(labels, checkpoint):
    from mmcv.runner import load_checkpoint
    from mmseg.models import build_segmentor
    cfg = mmcv.Config.fromfile(CONFIG)
    model = build_segmentor(cfg.model).eval()
    meta = load_checkpoint(model, checkpoint, map_location='cpu',
                           logger='silent').get('meta', {})
    preds = {d: [] for d in DECODERS}
    with torch.no_grad():
        for start in range(0, len(labels), BATCH):
            batch = labels[start:start + BATCH]
            recon = model.reconstruct(batch)[0][..., :batch.shape[1],
                                                :batch.shape[2]]
            for decoder in DECODERS:
                preds[decoder].append(decode(model.codec, recon, decoder))
    rows = {f'tokenizer/{d}': score(torch.cat(p), labels)
            for d, p in preds.items()}
    return rows, dict(checkpoint=osp.realpath(checkpoint),
                      iter=meta.get('iter'))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default=osp.join(ROOT, 'data', 'camvid'))
    parser.add_argument(
        '--checkpoint',
        default=osp.join(ROOT, 'work_dirs', 'vqvae-1k_128x128_2k_camvid',
                         'latest.pth'),
        help='stage-I checkpoint of vqvae-1k_128x128_2k_camvid.py '
        '(skipped if missing)')
    parser.add_argument(
        '--out', default=osp.join(ROOT, 'benchmarks', 'results',
                                  'palette_blends.json'))
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.time()
    labels = load_labels(osp.join(args.data, 'valannot'))
    adjacency = class_adjacency(labels.numpy(), NUM_CLASSES)
    results = dict(num_maps=len(labels), palettes={}, rows={})
    for name in PALETTES:
        codec = MaskigeCodec(name, NUM_CLASSES, IGNORE)
        results['palettes'][name] = palette_stats(codec, adjacency)
        for row, value in simulated(labels, codec).items():
            results['rows'][f'{name}/{row}'] = value
    if osp.isfile(args.checkpoint):
        rows, results['tokenizer'] = tokenizer_rows(labels, args.checkpoint)
        results['rows'].update({f'camvid/{k}': v for k, v in rows.items()})
    else:
        print(f'no checkpoint at {args.checkpoint}: tokenizer rows skipped')
    results['seconds'] = round(time.time() - start, 1)

    print(f'{"palette":18s}{"min dist":>10s}{"blend dist":>12s}'
          f'{"3rd-class share":>17s}  nearest blend')
    for name, stats in results['palettes'].items():
        print(f'{name:18s}{stats["min_distance"]:10.1f}'
              f'{stats["min_blend_distance"]:12.1f}'
              f'{stats["third_class_boundary_share"]:17.3f}  '
              f'{stats["nearest_blend"]}')
    print(f'\n{"palette/setting/decoder":42s}{"mIoU":>7s}{"foreign px":>12s}'
          '  worst classes (IoU)')
    for row, value in results['rows'].items():
        worst = sorted(value['IoU'].items(), key=lambda kv: kv[1])[:3]
        print(f'{row:42s}{value["mIoU"]:7.2f}{value["foreign"]:12d}  ' +
              ', '.join(f'{k} {v:.1f}' for k, v in worst))
    mmcv.mkdir_or_exist(osp.dirname(osp.abspath(args.out)))
    with open(args.out, 'w') as f:
        json.dump(results, f, indent=1)
    print(f'\nwrote {args.out} ({results["seconds"]} s)')


if __name__ == '__main__':
    main()
