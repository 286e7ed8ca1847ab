"""GSS-FF reading its token posterior: each test-time option on one model.

Scores a trained GSS-FF checkpoint under ``GSSFFPosteriorHead``'s options
(the config given, a ``gss-ff-posterior-*`` config, sets the fitted ones):
the argmax decoding (GSS-FF itself), the expected decoding over the top-k
tokens, the pixel-head fusion, and both. For each: val mIoU and per-class
IoU (the dataset's evaluation) and the pixel accuracy inside the token
cells that hold one class and inside mixed cells (``cell_accuracy``); once
for the model, the val token accuracy over those cells
(``bench_camvid.token_accuracy``); and the inference time per image of
every option and of the baseline, interleaved image by image in this one
process (the baseline with its checkpoint if given, else random weights:
time does not depend on them). A baseline checkpoint is scored too.

The output holds one run per training seed: a run of another seed is added
to the file, a run of the same seed replaces its entry.

    python benchmarks/bench_posterior.py CONFIG CHECKPOINT \
        --baseline BASELINE_CONFIG [--baseline-checkpoint FILE] \
        [--data data/camvid] [--seed 0] \
        [--out benchmarks/results/camvid_posterior.json]
"""
import argparse
import json
import os.path as osp
import statistics
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from benchmarks.split_arguments import (add_split_arguments,  # noqa: E402
                                        split_images)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a gss-ff-posterior-* config')
    parser.add_argument('checkpoint', help='the GSS-FF checkpoint it reads')
    parser.add_argument('--baseline', required=True,
                        help='config of the model timed beside it')
    parser.add_argument('--baseline-checkpoint',
                        help='its checkpoint (default: random weights)')
    parser.add_argument('--seed', type=int, default=0,
                        help='the training seed of CHECKPOINT (recorded)')
    parser.add_argument('--timing-images', type=int, default=20)
    add_split_arguments(parser, 'camvid_posterior')
    return parser.parse_args(argv)


if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import mmcv  # noqa: E402
import torch  # noqa: E402
from mmcv.cnn.utils import revert_sync_batchnorm  # noqa: E402
from mmseg.datasets import build_dataloader  # noqa: E402
from mmseg.models import build_segmentor  # noqa: E402

from benchmarks.bench_camvid import build, token_accuracy  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402
from gss.models.utils import mixed_cells  # noqa: E402


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


def count_by_cells(pred, labels, grid_size, ignore_index):
    """Correct and labelled pixels of one image, in one-class and in mixed
    token cells.

    Args:
        pred (Tensor): (H, W) predicted classes.
        labels (Tensor): (H, W) long labels.
        grid_size (tuple[int]): (h, w) token grid; H, W are multiples.
        ignore_index (int): Unlabelled pixels, not counted.

    Returns:
        tuple[Tensor, Tensor]: (2,) long correct and labelled pixels:
        [in one-class cells, in mixed cells].
    """
    mixed = mixed_cells(labels[None], grid_size, ignore_index)[0]
    # each label pixel takes its cell's kind
    kind = mixed.repeat_interleave(labels.shape[0] // grid_size[0], 0)
    kind = kind.repeat_interleave(labels.shape[1] // grid_size[1], 1).long()
    labelled = labels != ignore_index
    hit = (pred == labels)[labelled].long()
    return (torch.bincount(kind[labelled], weights=hit, minlength=2).long(),
            torch.bincount(kind[labelled], minlength=2))


@torch.no_grad()
def evaluate_by_cells(model, dataset, token_stride):
    """Val metrics of a segmentor, and its pixel accuracy by token cell.

    The cells are those of a GSS model's token grid (one cell per
    ``token_stride``² input pixels), laid over the labels of each image;
    a cell is mixed when its labelled pixels hold two or more classes.
    Any segmentor can be scored on them, so a per-pixel baseline is
    compared with GSS where GSS loses: boundaries and thin objects.

    Args:
        model (EncoderDecoder): The segmentor, in eval mode.
        dataset (CustomDataset): The scored images and labels.
        token_stride (int): Input pixels per token cell side.

    Returns:
        tuple[dict, dict]: ``dataset.evaluate``'s mIoU metrics, and the
        ``one_class`` and ``mixed`` pixel accuracies in [0, 1] with
        ``mixed_share``, the share of labelled pixels in mixed cells.
    """
    loader = build_dataloader(dataset, 1, 0, dist=False, shuffle=False,
                              persistent_workers=False)
    results = []
    correct = torch.zeros(2, dtype=torch.long)  # one class, mixed
    total = torch.zeros(2, dtype=torch.long)
    for idx, data in enumerate(loader):
        metas = data['img_metas'][0].data[0]
        (pred, ) = model(img=[data['img'][0]], img_metas=[metas],
                         return_loss=False)
        results.extend(dataset.pre_eval([pred], indices=[idx]))
        labels = torch.from_numpy(
            dataset.get_gt_seg_map_by_idx(idx).astype('int64'))
        height, width = metas[0]['img_shape'][:2]
        hits, pixels = count_by_cells(
            torch.from_numpy(pred), labels,
            (height // token_stride, width // token_stride),
            dataset.ignore_index)
        correct += hits
        total += pixels
    metric = dataset.evaluate(results, metric='mIoU', logger='silent')
    ratio = (correct / total.clamp(min=1)).tolist()
    return ({k: float(v) for k, v in metric.items()},
            dict(one_class=ratio[0], mixed=ratio[1],
                 mixed_share=float(total[1] / total.sum().clamp(min=1))))


def merged_runs(path, run):
    """The runs of ``path`` (if any) with ``run`` added, replacing the run
    of the same seed, in seed order."""
    runs = json.load(open(path))['runs'] if osp.exists(path) else []
    runs = [r for r in runs if r['seed'] != run['seed']] + [run]
    return sorted(runs, key=lambda r: r['seed'])


def build_baseline(args, images):
    """The baseline segmentor: with its checkpoint as the bench builds a
    scored model, or random weights for the timing alone."""
    if args.baseline_checkpoint:
        return build(args.baseline, args.baseline_checkpoint, images)[1]
    cfg = mmcv.Config.fromfile(args.baseline)
    cfg.model.pretrained = None
    cfg.model.backbone.pop('pretrained', None)
    model = build_segmentor(cfg.model, test_cfg=cfg.get('test_cfg'))
    return revert_sync_batchnorm(model).eval()


def main(argv=None):
    args = parse_args(argv)
    images = split_images(args)
    cfg, model, dataset = build(args.config, args.checkpoint, images)
    head = model.decode_head
    rows = []
    for name, settings in options(cfg.model.decode_head):
        for key, value in settings.items():
            setattr(head, key, value)
        metric, cells = evaluate_by_cells(model, dataset, head.token_stride)
        print(f'{name}: val mIoU {100 * metric["mIoU"]:.2f}, pixel accuracy '
              f'in mixed cells {100 * cells["mixed"]:.2f}', flush=True)
        rows.append(dict(option=name, settings=settings, metric=metric,
                         cell_accuracy=cells))
    accuracy = token_accuracy(model, dataset, cfg.precision == 'bf16')

    baseline = build_baseline(args, images)
    scored_baseline = None
    if args.baseline_checkpoint:
        metric, cells = evaluate_by_cells(baseline, dataset,
                                          head.token_stride)
        print(f'baseline: val mIoU {100 * metric["mIoU"]:.2f}', flush=True)
        scored_baseline = dict(checkpoint=args.baseline_checkpoint,
                               metric=metric, cell_accuracy=cells)
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
    run = dict(seed=args.seed, checkpoint=args.checkpoint,
               baseline_infer_seconds_per_image=reference,
               scored_baseline=scored_baseline, rows=rows,
               token_accuracy=accuracy)
    write_results(args.out, config=args.config, baseline=args.baseline,
                  params=sum(p.numel() for p in model.parameters()),
                  images=images, runs=merged_runs(args.out, run))
    return rows


if __name__ == '__main__':
    main()
