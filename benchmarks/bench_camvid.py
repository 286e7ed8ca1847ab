"""CamVid-11 results table: GSS-FF / GSS-FT-W vs a discriminative baseline.

For every trained model (config + checkpoint under work_dirs/): val mIoU /
mAcc / aAcc and per-class IoU (the dataset's own evaluation), training time
(from the run's log), parameters, and inference time per image measured
side by side in this one process (models interleaved image by image, so
machine noise hits all of them alike), each in its config's precision
(``cpu_bf16``; fp32 on a CPU without bf16 arithmetic: each run's
``precision`` says which) on the CPU, or on CUDA when there is a GPU; for GSS models
also the val token accuracy (where a shortfall comes from). Also evaluates
the stage-I reconstruction upper bound. ``--suite converged`` (default) is
the table of docs/experiments/camvid.md, the runs of
``tools/camvid_suite.sh``; ``--suite short`` the 700-iteration runs of the
CPU speed and ONNX measurements. Prints a markdown table
and writes JSON (default: work_dirs/bench_camvid.json; the committed table
is benchmarks/results/camvid.json, rewritten only when given as --out).

    python benchmarks/bench_camvid.py [--suite converged|short]
        [--device cpu]
        [--data data/camvid] [--split val] [--img-dir DIR --ann-dir DIR]
        [--timing-images 20] [--out FILE]
"""
import argparse
import glob
import json
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))


#: (table label, config name) of each suite, in training order.
SUITES = dict(
    # docs/experiments/camvid.md: setting (b) trained to convergence, 2,000
    # iterations of batch 4 (21.8 epochs) in bf16, every model with the
    # class-balanced losses (the weights of tools/class_weights.py)
    # (tools/camvid_suite.sh).
    converged=[
        ('stage I: maskige VQ-VAE, 4,096 codes', 'vqvae-4k_128x128_2k_camvid'),
        ('(b) UPerNet, EfficientNet-Lite0 (ImageNet)',
         'upernet-balanced_effnet-lite0_256x256_2k_camvid'),
        ('(b) GSS-FF, EfficientNet-Lite0 (ImageNet)',
         'gss-ff-balanced_effnet-lite0_256x256_2k_camvid'),
        ('(b) GSS-FT-W, EfficientNet-Lite0 (ImageNet)',
         'gss-ft-w-balanced_effnet-lite0_256x256_2k_1k_camvid'),
        ('(b) GSS-FF-lean, EfficientNet-Lite0 (ImageNet)',
         'gss-ff-lean-balanced_effnet-lite0_256x256_2k_camvid'),
    ],
    # The short schedule (700 iterations, about 7.6 epochs, fp32): the
    # models of the CPU speed and ONNX measurements.
    short=[
        ('stage I: maskige VQ-VAE reconstruction',
         'vqvae-1k_128x128_2k_camvid'),
        ('(b) UPerNet, EfficientNet-Lite0 (ImageNet)',
         'upernet_effnet-lite0_256x256_700_camvid'),
        ('(b) GSS-FF, EfficientNet-Lite0 (ImageNet)',
         'gss-ff_effnet-lite0_256x256_700_camvid'),
        ('(b) GSS-FT-W, EfficientNet-Lite0 (ImageNet)',
         'gss-ft-w_effnet-lite0_256x256_700_300_camvid'),
    ])


def config_path(name):
    """The config of a suite entry, relative to the repository root."""
    return f'configs/gss/camvid/{name}.py'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default='data/camvid',
                        help='CamVid root, SegNet layout (default: '
                        '%(default)s)')
    parser.add_argument(
        '--split', default='val',
        help='split scored: images in DATA/SPLIT, labels in '
        'DATA/SPLITannot, e.g. test (default: %(default)s)')
    parser.add_argument(
        '--img-dir', help='image folder scored instead of --split (paths '
        'as given, not under --data)')
    parser.add_argument('--ann-dir', help='label folder of --img-dir')
    parser.add_argument('--work-dirs', default='work_dirs',
                        help='where the runs are (default: %(default)s)')
    parser.add_argument('--suite', choices=tuple(SUITES),
                        default='converged',
                        help='the models compared (default: %(default)s)')
    parser.add_argument('--list', action='store_true',
                        help='print the configs of --suite in training '
                        'order and exit')
    parser.add_argument('--device', help='cpu or cuda (default: cuda when '
                        'there is one)')
    parser.add_argument('--timing-images', type=int, default=20)
    parser.add_argument(
        '--out', help='JSON written (default: WORK_DIRS/bench_camvid.json; '
        'benchmarks/results/camvid.json updates the committed table)')
    args = parser.parse_args(argv)
    if bool(args.img_dir) != bool(args.ann_dir):
        parser.error('--img-dir and --ann-dir go together')
    if args.list:
        print('\n'.join(config_path(name) for _, name in SUITES[args.suite]))
        parser.exit()
    if args.out is None:
        args.out = osp.join(args.work_dirs, 'bench_camvid.json')
    return args



if __name__ == '__main__':
    parse_args()  # answers --help and usage errors before the imports below

import gss  # noqa: E402,F401
import mmcv  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmcv.cnn.utils import revert_sync_batchnorm  # noqa: E402
from mmcv.parallel import MMDataParallel  # noqa: E402
from mmcv.runner import load_checkpoint  # noqa: E402
from mmseg.apis import single_gpu_test  # noqa: E402
from mmseg.datasets import build_dataloader, build_dataset  # noqa: E402
from mmseg.models import build_segmentor  # noqa: E402

from gss.apis import apply_cpu_bf16, apply_cpu_retain_memory  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402
from gss.models.utils import mixed_cells  # noqa: E402
from gss.utils.checkpoint import safe_load  # noqa: E402


def training_minutes(work_dir):
    """Wall-clock training time from the mmcv json log(s) of a run.

    Each record averages ``time`` over the logging interval before it. A
    resumed run writes a new log that repeats the iterations after its
    checkpoint: each iteration counts once, from the latest log.
    """
    seconds = {}
    for log in sorted(glob.glob(osp.join(work_dir, '*.log.json'))):
        records = [json.loads(line) for line in open(log)
                   if '"mode": "train"' in line]
        if not records:
            continue
        iters = [rec['iter'] for rec in records]
        interval = iters[1] - iters[0] if len(iters) > 1 else iters[0]
        prev = max(iters[0] - interval, 0)
        for rec in records:
            for it in range(prev + 1, rec['iter'] + 1):
                seconds[it] = rec['time']
            prev = rec['iter']
    return sum(seconds.values()) / 60


def scored_images(args):
    """``data_root``, ``img_dir`` and ``ann_dir`` of the images to score.

    Args:
        args (argparse.Namespace): ``--data``, ``--split``, ``--img-dir``
            and ``--ann-dir``.

    Returns:
        dict: Overrides of the config's ``data.test``.
    """
    if args.img_dir:
        return dict(data_root=None, img_dir=args.img_dir,
                    ann_dir=args.ann_dir)
    return dict(data_root=args.data, img_dir=args.split,
                ann_dir=f'{args.split}annot')


def unfinished(config, checkpoint):
    """Why a run's checkpoint is not its trained model, if it is not.

    A run still training (or stopped) has a ``latest.pth`` too; scoring it
    would put a half-trained model in the table.

    Args:
        config (str): The run's config.
        checkpoint (str): Its ``latest.pth``.

    Returns:
        str | None: ``'at iteration N of M'``, or None when the checkpoint
        is at the config's last iteration.
    """
    cfg = mmcv.Config.fromfile(config)
    total = cfg.runner.max_iters
    done = safe_load(checkpoint).get('meta', {}).get('iter')
    return None if done == total else f'at iteration {done} of {total}'


def build(config, checkpoint, images, device='cpu'):
    """Config, model and test dataset of one run, as tools/test.py builds
    them (the config's ``cpu_bf16`` and ``cpu_retain_memory`` apply on the
    CPU; the latter is process-wide, and every suite config sets it)."""
    cfg = mmcv.Config.fromfile(config)
    cfg.data.test.update(images)
    cfg.model.pretrained = None
    cfg.model.train_cfg = None
    model = build_segmentor(cfg.model, test_cfg=cfg.get('test_cfg'))
    apply_cpu_retain_memory(cfg, device)
    # fp32 where the CPU has no bf16 arithmetic, as tools/test.py runs it
    cfg.precision = apply_cpu_bf16(model, cfg, device) or 'fp32'
    # strict: a checkpoint that does not fit its config is an error here
    load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    model = revert_sync_batchnorm(model).to(device).eval()
    dataset = build_dataset(cfg.data.test, dict(test_mode=True))
    model.CLASSES, model.PALETTE = dataset.CLASSES, dataset.PALETTE
    return cfg, model, dataset


def data_parallel(model):
    if next(model.parameters()).is_cuda:
        return MMDataParallel(model, device_ids=[torch.cuda.current_device()])
    return MMDataParallel(model)


def evaluate(model, dataset):
    loader = build_dataloader(dataset, samples_per_gpu=1, workers_per_gpu=0,
                              dist=False, shuffle=False,
                              persistent_workers=False)
    results = single_gpu_test(data_parallel(model), loader, pre_eval=True)
    return dataset.evaluate(results, metric='mIoU', logger='silent')


@torch.no_grad()
def token_accuracy(model, dataset, bf16=False):
    """Val token accuracy of a GSS model: the share of token cells whose
    most likely token is the ground truth's (the training target: tokens
    of the labels, ignored pixels filled by the auxiliary head; cells of
    ignored pixels only are left out), over all cells and over the cells
    that hold one labelled class or several (boundaries, thin objects:
    the rare layouts).

    Args:
        model (EncoderDecoder): A segmentor with a GSS decode head.
        dataset (CustomDataset): The scored images and labels.
        bf16 (bool): Run the image encoder in CPU bf16 autocast, as the
            model's ``cpu_bf16`` config does.

    Returns:
        dict: ``all``, ``one_class`` and ``mixed`` accuracies in [0, 1]
        and ``mixed_share``, the share of the scored cells that are mixed.
    """
    head = model.decode_head
    device = next(model.parameters()).device
    loader = build_dataloader(dataset, samples_per_gpu=1, workers_per_gpu=0,
                              dist=False, shuffle=False,
                              persistent_workers=False)
    correct = torch.zeros(2, dtype=torch.long)  # one class, mixed
    total = torch.zeros(2, dtype=torch.long)
    for idx, data in enumerate(loader):
        img = data['img'][0].to(device)
        with torch.autocast('cpu', torch.bfloat16, enabled=bf16):
            token_logits, pixel_logits = head(model.extract_feat(img))
        gt = torch.from_numpy(dataset.get_gt_seg_map_by_idx(idx).astype(
            'int64'))[None, None].to(device)
        labels = head.tokenizer_labels(gt, token_logits.shape[2:])
        pixel_logits = torch.nn.functional.interpolate(
            pixel_logits.float(), size=labels.shape[1:], mode='bilinear',
            align_corners=head.align_corners)
        targets = head.token_targets(labels, pixel_logits)
        valid = targets != head.tokenizer.num_tokens
        kind = mixed_cells(labels, targets.shape[1:],
                           head.ignore_index).long()[valid].cpu()
        hit = (token_logits.argmax(1) == targets)[valid].cpu().long()
        correct += torch.bincount(kind, weights=hit, minlength=2).long()
        total += torch.bincount(kind, minlength=2)
    ratio = (correct / total.clamp(min=1)).tolist()
    return dict(all=float(correct.sum() / total.sum().clamp(min=1)),
                one_class=ratio[0], mixed=ratio[1],
                mixed_share=float(total[1] / total.sum().clamp(min=1)))


@torch.no_grad()
def codebook_usage(model, dataset):
    """Share of the codebook used on the val labels, and its perplexity."""
    from gss.tokenizers.quantizers import codebook_stats
    codes = []
    for idx in range(len(dataset)):
        labels = torch.from_numpy(dataset.get_gt_seg_map_by_idx(idx).astype(
            'int64'))[None].to(model.codec.colors.device)
        codes.append(model.tokenizer.encode(model.tokenizer.encoder_inputs(
            labels, model.codec)).flatten())
    stats = codebook_stats(torch.cat(codes), model.tokenizer.num_tokens)
    return {k: float(v) for k, v in stats.items()}


def main(argv=None):
    args = parse_args(argv)
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    images = scored_images(args)
    runs = []
    for label, name in SUITES[args.suite]:
        ckpt = osp.join(args.work_dirs, name, 'latest.pth')
        config = glob.glob(config_path(name))
        if not (config and osp.exists(ckpt)):
            print(f'skipping {label}: no {ckpt}')
            continue
        why = unfinished(config[0], ckpt)
        if why:
            print(f'skipping {label}: {ckpt} is {why} (unfinished)')
            continue
        cfg, model, dataset = build(config[0], ckpt, images, device)
        print(f'evaluating {label}')
        metric = evaluate(model, dataset)
        if hasattr(model, 'tokenizer') and hasattr(model, 'codec'):
            usage = codebook_usage(model, dataset)
            print(f"codebook on val: {usage['usage']:.1%} of "
                  f'{model.tokenizer.num_tokens} codes used, perplexity '
                  f"{usage['perplexity']:.1f}")
            metric = dict(metric, **{f'codebook_{k}': v
                                     for k, v in usage.items()})
        # GSS-FT-W (no auxiliary head) predicts its frozen GSS-FF's tokens:
        # the same accuracy, not recomputed.
        if getattr(getattr(model, 'decode_head', None), 'pixel_head',
                   None) is not None:
            accuracy = token_accuracy(model, dataset,
                                      cfg.precision == 'bf16')
            print(f"val token accuracy: {accuracy['all']:.2%} "
                  f"(one-class cells {accuracy['one_class']:.2%}, mixed "
                  f"{accuracy['mixed']:.2%}: {accuracy['mixed_share']:.1%} "
                  'of the cells)')
            metric = dict(metric, token_accuracy=accuracy['all'],
                          **{f'token_accuracy_{k}': v
                             for k, v in accuracy.items() if k != 'all'})
        runs.append(dict(
            label=label, config=config[0], checkpoint=ckpt, model=model,
            dataset=dataset, metric=metric, precision=cfg.precision,
            params=sum(p.numel() for p in model.parameters()),
            train_min=training_minutes(osp.join(args.work_dirs, name))))

    # Inference time per image, interleaved across models; through the
    # model's forward, where the cpu_bf16 autocast hooks sit.
    timed = [r for r in runs if not r['label'].startswith('stage I')]
    seconds = {r['label']: [] for r in timed}
    if timed:
        loader = build_dataloader(timed[0]['dataset'], 1, 0, dist=False,
                                  shuffle=False, persistent_workers=False)
        with torch.no_grad():
            for i, data in enumerate(loader):
                if i > args.timing_images:
                    break
                img = data['img'][0].to(device)
                metas = data['img_metas'][0].data[0]
                for r in timed:
                    start = time.perf_counter()
                    r['model'](img=[img], img_metas=[metas],
                               return_loss=False)
                    if device == 'cuda':
                        torch.cuda.synchronize()
                    if i:  # the first image warms up
                        seconds[r['label']].append(time.perf_counter() -
                                                   start)
    classes = runs[0]['dataset'].CLASSES if runs else []
    head = ['model', 'mIoU', 'mAcc', 'aAcc', *classes, 'params (M)',
            'train (min)', 'infer (s/img)']
    print('| ' + ' | '.join(head) + ' |')
    print('|' + ' --- |' * len(head))
    records = []
    for r in runs:
        m = r['metric']
        infer = (float(np.median(seconds[r['label']]))
                 if seconds.get(r['label']) else None)
        row = [r['label'], *(f"{100 * m[k]:.2f}" for k in
                             ('mIoU', 'mAcc', 'aAcc')),
               *(f"{100 * m['IoU.' + c]:.1f}" for c in classes),
               f"{r['params'] / 1e6:.2f}", f"{r['train_min']:.1f}",
               f'{infer:.3f}' if infer else '–']
        print('| ' + ' | '.join(row) + ' |')
        records.append(dict(label=r['label'], config=r['config'],
                            metric={k: float(v) for k, v in m.items()},
                            params=r['params'], train_minutes=r['train_min'],
                            precision=r['precision'],
                            infer_seconds_per_image=infer))
    write_results(args.out, suite=args.suite, runs=records, images=images,
                  device=device)


if __name__ == '__main__':
    main()
