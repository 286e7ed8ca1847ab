"""GSS-FF reading its token posterior: each test-time option on one model.

Scores a trained GSS-FF checkpoint under ``GSSFFPosteriorHead``'s options
(the config given, a ``gss-ff-posterior-*`` config, sets the fitted ones):
the argmax decoding (GSS-FF itself), the expected decoding over the top-k
tokens, the pixel-head fusion, and both. For each: val mIoU and per-class
IoU (the dataset's evaluation); once for the model, the val token accuracy
over one-class and mixed cells (``bench_camvid.token_accuracy``); and the
inference time per image of every option and of the baseline, interleaved
image by image in this one process (the baseline with its checkpoint if
given, else random weights: time does not depend on them).

    python benchmarks/bench_posterior.py CONFIG CHECKPOINT \
        --baseline BASELINE_CONFIG [--baseline-checkpoint FILE] \
        [--data data/camvid] [--seed 0] \
        [--out benchmarks/results/camvid_posterior.json]
"""
import argparse
import os.path as osp
import statistics
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a gss-ff-posterior-* config')
    parser.add_argument('checkpoint', help='the GSS-FF checkpoint it reads')
    parser.add_argument('--baseline', required=True,
                        help='config of the model timed beside it')
    parser.add_argument('--baseline-checkpoint',
                        help='its checkpoint (default: random weights)')
    parser.add_argument('--data', default='data/camvid')
    parser.add_argument('--split', default='val')
    parser.add_argument('--seed', type=int, default=0,
                        help='the training seed of CHECKPOINT (recorded)')
    parser.add_argument('--timing-images', type=int, default=20)
    parser.add_argument('--out', default=osp.join(
        ROOT, 'benchmarks', 'results', 'camvid_posterior.json'))
    return parser.parse_args(argv)


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import mmcv  # noqa: E402
import torch  # noqa: E402
from mmcv.cnn.utils import revert_sync_batchnorm  # noqa: E402
from mmseg.datasets import build_dataloader  # noqa: E402
from mmseg.models import build_segmentor  # noqa: E402

from benchmarks.bench_camvid import (build, evaluate,  # noqa: E402
                                     token_accuracy)
from benchmarks.results_file import write_results  # noqa: E402


def options(head_cfg):
    """(name, head settings) of each option, from the config's fitted
    ``posterior_top_k`` and ``pixel_fusion_threshold``."""
    k = head_cfg.get('posterior_top_k')
    threshold = head_cfg.get('pixel_fusion_threshold')
    if k is None or threshold is None:
        raise ValueError('the config must set both posterior_top_k and '
                         'pixel_fusion_threshold (the fitted values)')
    return (('argmax tokens (GSS-FF)', dict(posterior_top_k=None,
                                            pixel_fusion_threshold=None)),
            (f'top-{k} posterior', dict(posterior_top_k=k,
                                        pixel_fusion_threshold=None)),
            (f'pixel fusion below {threshold:g}',
             dict(posterior_top_k=None, pixel_fusion_threshold=threshold)),
            (f'top-{k} posterior + pixel fusion below {threshold:g}',
             dict(posterior_top_k=k, pixel_fusion_threshold=threshold)))


def main(argv=None):
    args = parse_args(argv)
    images = dict(data_root=args.data, img_dir=args.split,
                  ann_dir=f'{args.split}annot')
    cfg, model, dataset = build(args.config, args.checkpoint, images)
    head = model.decode_head
    rows = []
    for name, settings in options(cfg.model.decode_head):
        for key, value in settings.items():
            setattr(head, key, value)
        metric = evaluate(model, dataset)
        print(f'{name}: val mIoU {100 * metric["mIoU"]:.2f}', flush=True)
        rows.append(dict(option=name, settings=settings,
                         metric={k: float(v) for k, v in metric.items()}))
    accuracy = token_accuracy(model, dataset, cfg.precision == 'bf16')

    baseline_cfg = mmcv.Config.fromfile(args.baseline)
    baseline_cfg.model.pretrained = None
    baseline_cfg.model.backbone.pop('pretrained', None)
    baseline = build_segmentor(baseline_cfg.model,
                               test_cfg=baseline_cfg.get('test_cfg'))
    if args.baseline_checkpoint:
        mmcv.runner.load_checkpoint(baseline, args.baseline_checkpoint,
                                    map_location='cpu', strict=True)
    baseline = revert_sync_batchnorm(baseline).eval()
    timed = [('baseline', None, baseline)] + [
        (row['option'], row['settings'], model) for row in rows]
    seconds = {name: [] for name, _, _ in timed}
    loader = build_dataloader(dataset, 1, 0, dist=False, shuffle=False,
                              persistent_workers=False)
    with torch.no_grad():
        for i, data in enumerate(loader):
            if i > args.timing_images:
                break
            img = data['img'][0]
            metas = data['img_metas'][0].data[0]
            for name, settings, net in timed:
                for key, value in (settings or {}).items():
                    setattr(head, key, value)
                start = time.perf_counter()
                net(img=[img], img_metas=[metas], return_loss=False)
                if i:  # the first image warms up
                    seconds[name].append(time.perf_counter() - start)
    reference = statistics.median(seconds['baseline'])
    for row in rows:
        row['infer_seconds_per_image'] = statistics.median(
            seconds[row['option']])
        row['vs_baseline'] = row['infer_seconds_per_image'] / reference
        print(f"{row['option']:52s} {100 * row['metric']['mIoU']:6.2f} "
              f"{row['infer_seconds_per_image']:.3f} s "
              f"{row['vs_baseline']:.2f}x")
    write_results(args.out, config=args.config, checkpoint=args.checkpoint,
                  params=sum(p.numel() for p in model.parameters()),
                  seed=args.seed, baseline=args.baseline,
                  baseline_infer_seconds_per_image=reference, rows=rows,
                  token_accuracy=accuracy, images=images)
    return rows


if __name__ == '__main__':
    main()
