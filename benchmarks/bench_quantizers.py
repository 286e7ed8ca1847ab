"""Stage-I tokenizer choices on CamVid, trained under one budget.

Trains maskige VQ-VAE variants (quantiser, codebook size, width) for the
same number of iterations on CamVid train label maps held in memory
(random 128×128 crops at the evaluation scale, flips), then measures each
on the whole val split: reconstruction mIoU / per-class IoU (labels → X →
encode → decode → X⁻¹, void ignored), codebook usage and perplexity over
the val tokens, parameters and training time. Variants run one after the
other in this process, so their times are comparable. Beside them it
reports a context-free reference: each 4×4 cell replaced by the nearest of
the N most frequent train cell patterns.

    python benchmarks/bench_quantizers.py [--iters 600] [--variants ...]
"""
import argparse
import collections
import glob
import json
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from gss.models.segmentors import MaskigeAutoencoder  # noqa: E402
from gss.tokenizers.quantizers import codebook_stats  # noqa: E402

RESULTS = osp.join(osp.dirname(osp.abspath(__file__)), 'results')
CLASSES = ('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
           'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist')
K = len(CLASSES)


def tokenizer(quantizer, encoder):
    extra = dict(palette='camvid', num_classes=K) \
        if encoder == 'class_patterns' else {}
    return dict(type='MaskigeVQVAE', downsample=4, encoder=encoder,
                channels=64, num_res_blocks=2, pixel_channels=16,
                quantizer=quantizer, **extra)


VARIANTS = {
    'conv-fsq1000': tokenizer(
        dict(type='FiniteScalarQuantizer', levels=(8, 5, 5, 5)), 'conv'),
    'conv-ema1024': tokenizer(
        dict(type='EMAVectorQuantizer', num_codes=1024, dim=32), 'conv'),
    'patterns-ema1024': tokenizer(
        dict(type='EMAVectorQuantizer', num_codes=1024), 'class_patterns'),
    'patterns-ema4096': tokenizer(
        dict(type='EMAVectorQuantizer', num_codes=4096), 'class_patterns'),
}


def load_labels(root, split):
    maps = []
    for f in sorted(glob.glob(osp.join(root, f'{split}annot', '*.png'))):
        m = cv2.imread(f, cv2.IMREAD_GRAYSCALE).astype(np.int64)
        m[m >= K] = 255  # void
        maps.append(m)
    return torch.from_numpy(np.stack(maps))


def random_crops(labels, n, size, gen):
    idx = torch.randint(len(labels), (n, ), generator=gen)
    h, w = labels.shape[-2:]
    ys = torch.randint(h - size + 1, (n, ), generator=gen)
    xs = torch.randint(w - size + 1, (n, ), generator=gen)
    crops = torch.stack([
        labels[i, y:y + size, x:x + size] for i, y, x in zip(idx, ys, xs)
    ])
    flip = torch.rand(n, generator=gen) < 0.5
    crops[flip] = crops[flip].flip(-1)
    return crops


def confusion(gt, pred):
    valid = gt < K
    return torch.bincount(gt[valid] * K + pred[valid],
                          minlength=K * K).view(K, K).double()


def iou_from(hist):
    iou = hist.diag() / (hist.sum(0) + hist.sum(1) - hist.diag())
    return 100 * iou


def train_and_eval(name, cfg, train, val, iters, batch, crop, lr, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = MaskigeAutoencoder(tokenizer=cfg, palette='camvid',
                               num_classes=K)
    model.init_weights()
    optim = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.99),
                              weight_decay=0.0)
    warmup = min(100, iters // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        optim, lambda i: min((i + 1) / warmup, 1.0) * (1 - i / iters))
    model.train()
    start = time.perf_counter()
    for it in range(iters):
        labels = random_crops(train, batch, crop, gen)
        recon, stats, target = model.reconstruct(labels)
        loss = F.cross_entropy(model.class_logits(recon), target,
                               ignore_index=255)
        loss = loss + sum(v for k, v in stats.items() if k.startswith('loss'))
        optim.zero_grad()
        loss.backward()
        optim.step()
        sched.step()
        if (it + 1) % 100 == 0:
            print(f'  {name} iter {it + 1}/{iters} loss {loss.item():.4f} '
                  f'perplexity {stats["perplexity"]:.1f}', flush=True)
    train_s = time.perf_counter() - start
    model.eval()
    hist = torch.zeros(K, K, dtype=torch.float64)
    codes = []
    with torch.no_grad():
        for i in range(0, len(val), 8):
            labels = val[i:i + 8]
            tokens = model.tokenizer.encode(
                model.tokenizer.encoder_inputs(labels, model.codec))
            # X⁻¹ over the K classes, as tools/test.py scores it
            pred = model.class_logits(model.tokenizer.decode(tokens)).argmax(1)
            hist += confusion(labels.flatten(), pred.flatten())
            codes.append(tokens.flatten())
    iou = iou_from(hist)
    usage = codebook_stats(torch.cat(codes), model.tokenizer.num_tokens)
    return dict(
        mIoU=round(iou.nanmean().item(), 2),
        aAcc=round(100 * (hist.diag().sum() / hist.sum()).item(), 2),
        per_class={c: round(v, 2) for c, v in zip(CLASSES, iou.tolist())},
        num_codes=model.tokenizer.num_tokens,
        val_code_usage=round(usage['usage'].item(), 4),
        val_code_perplexity=round(usage['perplexity'].item(), 1),
        params_M=round(
            sum(p.numel() for p in model.tokenizer.parameters()) / 1e6, 3),
        train_minutes=round(train_s / 60, 2))


def cells(labels):
    b, h, w = labels.shape
    return labels.view(b, h // 4, 4, w // 4, 4).permute(0, 1, 3, 2, 4) \
        .reshape(-1, 16)


def pattern_reference(train, val, sizes):
    """mIoU of replacing each val 4×4 cell by the Hamming-nearest of the N
    most frequent train cell patterns (no context, no learning)."""
    counts = collections.Counter(
        map(bytes, cells(train).to(torch.uint8).numpy()))
    vcells = cells(val)
    vkeys = list(map(bytes, vcells.to(torch.uint8).numpy()))
    out = {}
    for n in sizes:
        common = [k for k, _ in counts.most_common(n)]
        index = {k: i for i, k in enumerate(common)}
        table = torch.tensor(
            np.stack([np.frombuffer(k, np.uint8) for k in common]).astype(
                np.int64))
        pick = torch.tensor([index.get(k, -1) for k in vkeys])
        # Cells not in the table: Hamming-nearest pattern over labelled px.
        miss = (pick < 0).nonzero().flatten()
        for i in range(0, len(miss), 1024):
            blk = vcells[miss[i:i + 1024]]
            dist = ((blk[:, None] != table[None]) &
                    (blk[:, None] < K)).sum(-1)
            pick[miss[i:i + 1024]] = dist.argmin(1)
        rec = table[pick]
        iou = iou_from(confusion(vcells.flatten(), rec.flatten()))
        out[f'top-{n} cell patterns'] = dict(
            mIoU=round(iou.nanmean().item(), 2),
            per_class={c: round(v, 2) for c, v in zip(CLASSES,
                                                       iou.tolist())})
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default='data/camvid')
    parser.add_argument('--iters', type=int, default=600)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--crop', type=int, default=128)
    parser.add_argument('--lr', type=float, default=2e-3)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS),
                        choices=list(VARIANTS))
    parser.add_argument('--skip-reference', action='store_true',
                        help='skip the top-N cell pattern reference rows')
    parser.add_argument('--out', default=osp.join(RESULTS,
                                                  'quantizers.json'))
    args = parser.parse_args()
    train = load_labels(args.data, 'train')
    val = load_labels(args.data, 'val')
    rows = {} if args.skip_reference else pattern_reference(
        train, val, (1000, 4096))
    for name in args.variants:
        rows[name] = train_and_eval(name, VARIANTS[name], train, val,
                                    args.iters, args.batch, args.crop,
                                    args.lr, args.seed)
        print(name, rows[name], flush=True)
    print(f'\n| tokenizer ({args.iters} iters, batch {args.batch}, '
          f'{args.crop}² crops) | mIoU | ' + ' | '.join(CLASSES[i]
                                                       for i in (2, 6, 9, 10))
          + ' | val usage | perplexity | train min |')
    print('|---|---|---|---|---|---|---|---|---|')
    for name, r in rows.items():
        thin = ' | '.join(f'{r["per_class"][CLASSES[i]]:.1f}'
                          for i in (2, 6, 9, 10))
        print(f'| {name} | {r["mIoU"]:.2f} | {thin} | '
              f'{r.get("val_code_usage", "–")} | '
              f'{r.get("val_code_perplexity", "–")} | '
              f'{r.get("train_minutes", "–")} |')
    with open(args.out, 'w') as f:
        json.dump(dict(settings=vars(args), results=rows), f, indent=2)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
