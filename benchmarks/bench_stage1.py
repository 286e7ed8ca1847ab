"""CPU time of stage I (the maskige VQ-VAE) on Cityscapes / ADE20K labels.

Times training iterations of the stage-I configs of the GSS-FF-lean
variant (``configs/gss/{cityscapes,ade20k}/vqvae_*.py``) at their real
batch and label-crop size on synthetic label maps (random classes on
32×32-pixel blocks, so cells hold boundaries as real maps do; the cost does
not depend on the content: the quantiser compares every cell with every
code), after one warm-up iteration, and estimates one epoch of the
training labels (one crop per map: ⌈maps / batch⌉ iterations). Runs with
torch's thread count (set ``OMP_NUM_THREADS``). ``--clock cpu`` counts the
process's CPU time instead of wall-clock time: with one thread that is the
time on a free core, which other jobs on a shared machine do not inflate.
``--batch N`` times batches of N crops and scales the time to the config's
batch (every step of an iteration is linear in the number of cells).

    OMP_NUM_THREADS=1 python benchmarks/bench_stage1.py [--iters 2] \
        [--clock cpu]
"""
import argparse
import math
import os.path as osp
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

import gss  # noqa: E402,F401
import mmcv  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from mmcv.runner import build_optimizer  # noqa: E402
from mmseg.models import build_segmentor  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402

RESULTS = osp.join(ROOT, 'benchmarks', 'results')
#: (config, training label maps in the dataset).
CONFIGS = (('configs/gss/cityscapes/vqvae_cityscapes.py', 2975),
           ('configs/gss/ade20k/vqvae_ade20k.py', 20210))


def synthetic_labels(batch, size, num_classes, block=32):
    """(batch, 1, H, W) long labels constant on ``block``² squares."""
    h, w = size
    coarse = torch.randint(num_classes, (batch, 1, math.ceil(h / block),
                                         math.ceil(w / block)))
    return F.interpolate(coarse.float(), scale_factor=block,
                         mode='nearest').long()[:, :, :h, :w]


def time_iterations(config, iters, clock=time.perf_counter, batch=None):
    """Seconds per training iteration (best of ``iters``) of ``config``.

    Args:
        batch (int, optional): Time batches of this many crops and scale
            to the config's batch.

    Returns:
        tuple: seconds per iteration at the config's batch, that batch,
        the crop size and the tokenizer config.
    """
    cfg = mmcv.Config.fromfile(osp.join(ROOT, config))
    config_batch = cfg.data.samples_per_gpu
    torch.manual_seed(0)
    model = build_segmentor(cfg.model).train()
    optimizer = build_optimizer(model, cfg.optimizer)
    batch, size = batch or config_batch, cfg.label_crop_size
    h, w = size
    meta = dict(ori_shape=(h, w, 3), img_shape=(h, w, 3),
                pad_shape=(h, w, 3), scale_factor=1.0, flip=False)
    data = dict(img=torch.zeros(batch, 3, h, w), img_metas=[meta] * batch,
                gt_semantic_seg=synthetic_labels(batch, size,
                                                 cfg.model.num_classes))
    times = []
    for i in range(iters + 1):  # the first one warms up
        start = clock()
        outputs = model.train_step(data, optimizer)
        optimizer.zero_grad()
        outputs['loss'].backward()
        optimizer.step()
        if i:
            times.append(clock() - start)
    return (min(times) * config_batch / batch, config_batch, list(size),
            cfg.model.tokenizer)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--iters', type=int, default=2,
                        help='timed iterations per config (after a warm-up)')
    parser.add_argument('--clock', choices=['wall', 'cpu'], default='wall',
                        help='wall-clock or process CPU time')
    parser.add_argument('--batch', type=int,
                        help='time batches of this many crops (default: '
                        "the config's) and scale to the config's batch")
    parser.add_argument('--out', default=osp.join(RESULTS,
                                                  'stage1_cpu.json'))
    args = parser.parse_args()
    rows = []
    for config, maps in CONFIGS:
        seconds, batch, crop, tokenizer = time_iterations(
            config, args.iters,
            time.process_time if args.clock == 'cpu' else time.perf_counter,
            args.batch)
        iters = math.ceil(maps / batch)
        rows.append(dict(config=config, batch=batch, crop=crop,
                         codes=tokenizer.quantizer.num_codes,
                         seconds_per_iter=seconds, train_maps=maps,
                         iters_per_epoch=iters,
                         epoch_hours=iters * seconds / 3600))
        r = rows[-1]
        print(f'{config}: {seconds:.2f} s/iter (batch {batch} of '
              f'{crop[0]}x{crop[1]}, {r["codes"]} codes) → one epoch of '
              f'{maps} maps = {iters} iters ≈ {r["epoch_hours"]:.2f} h',
              flush=True)
    write_results(args.out, rows=rows, iters=args.iters,
                  timed_batch=args.batch, clock=args.clock)


if __name__ == '__main__':
    main()
