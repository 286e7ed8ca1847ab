"""Fit GSSFFPosteriorHead's ``pixel_fusion_threshold`` on training images.

Usage::

    python tools/fit_pixel_fusion.py CONFIG CHECKPOINT [--top-k K] \
        [--thresholds 0.2 0.4 ...] [--max-images N] [--out FILE]

Runs the GSS-FF model of CONFIG with CHECKPOINT over the training split of
the config under its test pipeline, its head made a
:class:`~gss.models.heads.GSSFFPosteriorHead` (``--top-k`` sets
``posterior_top_k``). Each image goes through the network once; every
candidate threshold then fuses the same token posterior, X⁻¹ scores and
pixel-head probabilities (cells whose top token probability is below it
read the pixel head). Prints the training mIoU of each threshold ("off":
no fusion) and the best one, to set as
``model.decode_head.pixel_fusion_threshold``; the evaluation split is never
read.
"""
import argparse
import json
import os.path as osp
import sys

from _cli import add_cfg_options, load_config

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

DEFAULT_THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Fit GSSFFPosteriorHead's pixel_fusion_threshold on "
        'training images')
    parser.add_argument('config', help='a GSS-FF config')
    parser.add_argument('checkpoint', help='its trained checkpoint')
    parser.add_argument('--top-k', type=int, default=None,
                        help='posterior_top_k of the head (default: argmax '
                        'decoding)')
    parser.add_argument('--thresholds', type=float, nargs='+',
                        default=list(DEFAULT_THRESHOLDS),
                        help='candidates, each in (0, 1]')
    parser.add_argument('--max-images', type=int, default=None,
                        help='use the first N training images only')
    parser.add_argument('--out', help='also write the table to this JSON')
    add_cfg_options(parser)
    return parser.parse_args(argv)


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import gss  # noqa: E402,F401  (mmcv compatibility + registries, first)
import torch  # noqa: E402
from mmcv.cnn.utils import revert_sync_batchnorm  # noqa: E402


def training_split_for_test(cfg):
    """``cfg.data.test`` reading the training images and labels."""
    train = cfg.data.train
    train = train.get('dataset', train)  # RepeatDataset and the like
    split = cfg.data.test.copy()
    for key in ('data_root', 'img_dir', 'ann_dir', 'split'):
        if key in train:
            split[key] = train[key]
        else:
            split.pop(key, None)
    split.test_mode = True
    return split


class OncePerImage:
    """Memoises ``head.posterior_outputs`` until :meth:`next_image`, so
    every threshold reads one forward of the head."""

    def __init__(self, head):
        self.compute = head.posterior_outputs
        self.outputs = None

    def next_image(self):
        self.outputs = None

    def __call__(self, inputs, pixel=True):
        # with the pixel head whatever the first threshold: the next ones
        # read the memoised outputs
        if self.outputs is None:
            self.outputs = self.compute(inputs, pixel=True)
        return self.outputs


def fit(model, dataset, loader, thresholds):
    """Training mIoU of each threshold (None: no fusion).

    Args:
        model (nn.Module): A segmentor with a GSSFFPosteriorHead, eval mode.
        dataset (CustomDataset): The split ``loader`` iterates.
        loader (DataLoader): One image per batch, in dataset order.
        thresholds (Sequence[float | None]): Candidates.

    Returns:
        dict: threshold → the dataset's ``evaluate`` metrics.
    """
    head = model.decode_head
    once = OncePerImage(head)
    head.posterior_outputs = once
    results = {threshold: [] for threshold in thresholds}
    try:
        with torch.no_grad():
            for index, data in enumerate(loader):
                img = data['img'][0]
                metas = data['img_metas'][0].data[0]
                once.next_image()
                for threshold in thresholds:
                    head.pixel_fusion_threshold = threshold
                    pred = model.simple_test(img, metas, rescale=True)
                    results[threshold].extend(
                        dataset.pre_eval(pred, indices=[index]))
    finally:
        del head.posterior_outputs
    return {threshold: dataset.evaluate(pre_eval, metric='mIoU',
                                        logger='silent')
            for threshold, pre_eval in results.items()}


def main(argv=None):
    args = parse_args(argv)
    bad = [t for t in args.thresholds if not 0 < t <= 1]
    if bad:
        raise SystemExit(f'error: thresholds must be in (0, 1], got {bad}')
    cfg = load_config(args)
    from mmseg.datasets import build_dataloader, build_dataset
    from mmseg.models import build_segmentor

    from gss.utils import load_checkpoint
    head = cfg.model.decode_head
    if head.type not in ('GSSFFHead', 'GSSFFPosteriorHead') or \
            head.get('pixel_head', 'separate') is None:
        raise SystemExit(f'error: {args.config} has a {head.type} without '
                         'an auxiliary pixel head: the fusion needs a GSS-FF '
                         'model trained with pixel_head')
    head.update(type='GSSFFPosteriorHead', posterior_top_k=args.top_k,
                pixel_fusion_threshold=None)
    cfg.model.pretrained = None
    cfg.model.train_cfg = None
    dataset = build_dataset(training_split_for_test(cfg))
    if args.max_images is not None:
        dataset.img_infos = dataset.img_infos[:args.max_images]
    loader = build_dataloader(dataset, samples_per_gpu=1, workers_per_gpu=0,
                              dist=False, shuffle=False,
                              persistent_workers=False)
    model = build_segmentor(cfg.model, test_cfg=cfg.get('test_cfg'))
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    model = revert_sync_batchnorm(model).eval()
    thresholds = [None, *args.thresholds]
    metrics = fit(model, dataset, loader, thresholds)
    best = max(thresholds, key=lambda t: metrics[t]['mIoU'])
    print(f'{len(dataset)} training images, posterior_top_k={args.top_k}')
    print(f'{"threshold":>10}{"train mIoU":>12}')
    for threshold in thresholds:
        name = 'off' if threshold is None else f'{threshold:g}'
        print(f'{name:>10}{100 * metrics[threshold]["mIoU"]:>12.2f}')
    print(f'best: pixel_fusion_threshold={best}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(config=args.config, checkpoint=args.checkpoint,
                           posterior_top_k=args.top_k,
                           images=len(dataset), best=best,
                           rows=[dict(threshold=t, mIoU=metrics[t]['mIoU'])
                                 for t in thresholds]), f, indent=2)
    return best, metrics


if __name__ == '__main__':
    main()
