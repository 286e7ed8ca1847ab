"""fp32 vs bf16 vs bf16 + channels-last on the CPU, side by side.

Times one training step (forward, loss, backward, AdamW step) on a batch of
the config's crops and the inference of one CamVid-sized frame (360×480,
``whole`` test) for the CamVid setting (b) models: UPerNet, GSS-FF and
GSS-FT-W on EfficientNet-Lite0. Each precision is a copy of one model
(same weights) wrapped as ``cpu_bf16 = dict(channels_last=...)`` does
(:func:`gss.apis.wrap_cpu_bf16_model`). The variants are interleaved in
every round, so machine noise hits all of them alike; speed-ups are the
median over rounds of each round's fp32 / variant time ratio.

    python benchmarks/bench_precision.py [--models upernet gss-ff gss-ft-w]
        [--repeats 5] [--profile gss-ft-w]

``--profile NAME`` instead prints where the inference time of that model
goes, per operator, for each precision.
"""
import argparse
import copy
import json
import os
import os.path as osp
import platform
import statistics
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gss  # noqa: E402,F401
import mmcv  # noqa: E402
import torch  # noqa: E402
from mmcv.cnn.utils import revert_sync_batchnorm  # noqa: E402
from mmcv.runner import build_optimizer  # noqa: E402
from mmseg.models import build_segmentor  # noqa: E402

from gss.apis import wrap_cpu_bf16_model  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
RESULTS = osp.join(ROOT, 'benchmarks', 'results')
CONFIGS = osp.join(ROOT, 'configs', 'gss', 'camvid')
MODELS = {
    'upernet': ('UPerNet', 'upernet_effnet-lite0_camvid.py'),
    'gss-ff': ('GSS-FF', 'gss-ff_effnet-lite0_camvid.py'),
    'gss-ft-w': ('GSS-FT-W', 'gss-ft-w_effnet-lite0_camvid.py'),
}
# name -> keyword arguments of wrap_cpu_bf16_model (None: plain fp32)
VARIANTS = {
    'fp32': None,
    'bf16': dict(channels_last=False),
    'bf16 + channels-last': dict(channels_last=True),
}
FRAME = (360, 480)  # CamVid (h, w)


def meta(h, w):
    return dict(ori_shape=(h, w, 3), img_shape=(h, w, 3),
                pad_shape=(h, w, 3), scale_factor=1.0, flip=False)


def build_variants(config):
    """One model per precision, with the same (random) weights.

    Returns:
        tuple[mmcv.Config, dict]: the config and name -> (model, optimizer).
    """
    cfg = mmcv.Config.fromfile(config)
    cfg.model.pretrained = None
    cfg.model.backbone.pop('pretrained', None)
    if 'tokenizer' in cfg.model.decode_head:
        cfg.model.decode_head.tokenizer.checkpoint = None  # cost only
    torch.manual_seed(0)
    base = revert_sync_batchnorm(build_segmentor(cfg.model))
    variants = {}
    for name, bf16_cfg in VARIANTS.items():
        model = copy.deepcopy(base)
        if bf16_cfg is not None:
            wrap_cpu_bf16_model(model, **bf16_cfg)
        variants[name] = (model, build_optimizer(model, cfg.optimizer))
    return cfg, variants


def train_step(model, optimizer, data):
    """One iteration as mmcv's runner and OptimizerHook run it."""
    model.train()
    losses = model(**data)
    loss, _ = model._parse_losses(losses)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return float(loss)


@torch.no_grad()
def inference(model, img):
    model.eval()
    return model(img=[img], img_metas=[[meta(*img.shape[2:])]],
                 return_loss=False)


def timed(fn, *args):
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def bench_model(config, repeats):
    """Per-variant train-step and inference times of one config.

    Returns:
        dict: mode -> variant -> list of seconds (one per round).
    """
    cfg, variants = build_variants(config)
    batch, (h, w) = cfg.data.samples_per_gpu, cfg.crop_size
    labels = torch.randint(0, cfg.model.decode_head.num_classes,
                           (batch, 1, h, w))
    labels[:, :, :h // 10] = 255
    data = dict(img=torch.randn(batch, 3, h, w),
                img_metas=[meta(h, w)] * batch, gt_semantic_seg=labels)
    img = torch.randn(1, 3, *FRAME)
    times = dict(train={}, inference={})
    for rep in range(repeats + 1):  # the first round warms up
        for name, (model, optimizer) in variants.items():
            step = timed(train_step, model, optimizer, data)
            infer = timed(inference, model, img)
            if rep:
                times['train'].setdefault(name, []).append(step)
                times['inference'].setdefault(name, []).append(infer)
    return dict(times, batch=batch, crop=[h, w])


def summarise(times):
    """Median seconds and median per-round speed-up over fp32."""
    base = times['fp32']
    return {
        name: dict(
            seconds=statistics.median(t),
            speedup=statistics.median(b / v for b, v in zip(base, t)))
        for name, t in times.items()
    }


def profile(config, rows=15):
    """Print the operators the inference of ``config`` spends time in."""
    _, variants = build_variants(config)
    img = torch.randn(1, 3, *FRAME)
    for name, (model, _) in variants.items():
        inference(model, img)  # warm-up
        with torch.profiler.profile() as prof:
            inference(model, img)
        print(f'\n== {name}')
        print(prof.key_averages().table(sort_by='self_cpu_time_total',
                                        row_limit=rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+', choices=list(MODELS),
                        default=list(MODELS))
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--profile', choices=list(MODELS))
    parser.add_argument('--out', default=osp.join(RESULTS,
                                                  'bench_precision.json'))
    args = parser.parse_args()
    if args.profile:
        profile(osp.join(CONFIGS, MODELS[args.profile][1]))
        return
    results = {}
    for key in args.models:
        title, config = MODELS[key]
        run = bench_model(osp.join(CONFIGS, config), args.repeats)
        results[key] = dict(
            model=title, config=osp.join('configs', 'gss', 'camvid', config),
            batch=run['batch'], crop=run['crop'],
            train=summarise(run['train']),
            inference=summarise(run['inference']))
    print(f'{"model":10s} {"precision":22s} {"train s/step":>12s} '
          f'{"speed-up":>9s} {"infer s/img":>12s} {"speed-up":>9s}')
    for res in results.values():
        for name in VARIANTS:
            train, infer = res['train'][name], res['inference'][name]
            print(f'{res["model"]:10s} {name:22s} {train["seconds"]:12.3f} '
                  f'{train["speedup"]:8.2f}x {infer["seconds"]:12.3f} '
                  f'{infer["speedup"]:8.2f}x')
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(dict(models=results, frame=list(FRAME),
                       repeats=args.repeats, torch=torch.__version__,
                       threads=torch.get_num_threads(),
                       machine=platform.processor() or platform.machine()),
                  f, indent=2)
    print(f'written {args.out}')


if __name__ == '__main__':
    main()
