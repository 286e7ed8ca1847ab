"""fp32 vs bf16 vs bf16 + channels-last on the CPU, side by side.

Times one training step (forward, loss, backward, AdamW step) on a batch of
the config's crops and the inference of one CamVid-sized frame (360×480,
``whole`` test) for the CamVid setting (b) models: UPerNet, GSS-FF and
GSS-FT-W on EfficientNet-Lite0. Each precision is a copy of one model
(same weights) wrapped as ``cpu_bf16 = dict(channels_last=...,
fp32_depthwise=...)`` does (:func:`gss.apis.wrap_cpu_bf16_model`), or
in fp32 with channels-last weights (what ``cpu_bf16`` runs on a CPU
without bf16 arithmetic, where the bf16 variants are left out unless
``--emulated-bf16``); the GSS
models also run in fp32 with mmseg's own ``WindowMSA`` instead of
:class:`gss.models.utils.FastWindowMSA`. ``--compile`` adds fp32 and
bf16 + channels-last models compiled with TorchInductor as
``compile = dict()`` does (:func:`gss.apis.compile_segmentor`, here also on
the tokenizer's decoder and FT-W's X⁻¹ modules). Every (model, precision) pair runs
once per round, so machine noise hits all of them alike; speed-ups and the
inference time relative to UPerNet are medians over rounds of each round's
ratio.

This process keeps glibc's default malloc. Unless ``--no-retained``, a
second process whose malloc keeps freed memory (``cpu_retain_memory =
True``, :func:`gss.apis.retain_freed_memory`) times fp32, fp32 +
channels-last, bf16 + channels-last and bf16 + channels-last + fp32
depthwise (with ``--compile`` also bf16 + channels-last + compile) in the
same rounds, right after this one's; their names end in "+ retained
memory".

    python benchmarks/bench_precision.py [--models upernet gss-ff gss-ft-w]
        [--compile] [--no-retained] [--emulated-bf16]
        [--repeats 5] [--clock wall|cpu]
        [--profile gss-ft-w [--phases train] [--retained-profile]]

``--clock cpu`` times the CPU seconds of this process instead of the wall
clock: with ``OMP_NUM_THREADS=1`` on a machine shared with other jobs that
is the cost of each step itself, whatever the others do.

``--profile NAME`` instead prints where the time of that model's
``--phases`` goes, per operator, for each precision (``--retained-profile``:
with malloc keeping freed memory).
"""
import argparse
import copy
import multiprocessing
import os.path as osp
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
from mmseg.models.backbones.swin import WindowMSA  # noqa: E402

from gss.apis import (compile_segmentor, cpu_has_native_bf16,  # noqa: E402
                      retain_freed_memory, wrap_cpu_bf16_model)
from gss.apis.compile import DEFAULT_MODULES  # noqa: E402
from gss.models.utils import FastWindowMSA  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
RESULTS = osp.join(ROOT, 'benchmarks', 'results')
CONFIGS = osp.join(ROOT, 'configs', 'gss', 'camvid')
MODELS = {
    'upernet': ('UPerNet', 'upernet_effnet-lite0_256x256_700_camvid.py'),
    'gss-ff': ('GSS-FF', 'gss-ff_effnet-lite0_256x256_700_camvid.py'),
    'gss-ft-w':
    ('GSS-FT-W', 'gss-ft-w_effnet-lite0_256x256_700_300_camvid.py'),
}
# name -> keyword arguments of wrap_cpu_bf16_model, which runs bf16 here
# whatever the CPU (None: plain fp32; bf16=False: fp32 with the layout
# asked for, what ``cpu_bf16`` runs on a CPU without bf16 arithmetic)
VARIANTS = {
    'fp32': None,
    'fp32 + channels-last': dict(bf16=False, channels_last=True),
    'bf16': dict(channels_last=False),
    'bf16 + channels-last': dict(channels_last=True),
    'bf16 + channels-last + fp32 depthwise': dict(channels_last=True,
                                                  fp32_depthwise=True),
}
# With --compile, also these (``compile = dict()`` in a config), compiled
# with TorchInductor on the modules below (those a model has).
COMPILED_VARIANTS = {
    'fp32 + compile': None,
    'bf16 + channels-last + compile': dict(channels_last=True),
}
COMPILED_MODULES = DEFAULT_MODULES + (
    'decode_head.tokenizer.decoder', 'decode_head.projection',
    'decode_head.post_transformer_block', 'decode_head.cls_segmap')
# GSS models also run with mmseg's own window attention, as before
# FastWindowMSA.
STOCK_ATTENTION = 'fp32, mmseg WindowMSA'
# These also run in a second process whose malloc keeps freed memory
# (``cpu_retain_memory = True``), named with RETAINED appended.
RETAINED_VARIANTS = ('fp32', 'fp32 + channels-last', 'bf16 + channels-last',
                     'bf16 + channels-last + fp32 depthwise')
# ... and with --compile also this one.
RETAINED_COMPILED = 'bf16 + channels-last + compile'
RETAINED = ' + retained memory'
FRAME = (360, 480)  # CamVid (h, w)
PHASES = ('train', 'inference')
CLOCKS = dict(wall=time.perf_counter, cpu=time.process_time)


def meta(h, w):
    return dict(ori_shape=(h, w, 3), img_shape=(h, w, 3),
                pad_shape=(h, w, 3), scale_factor=1.0, flip=False)


def prepare(model, spec):
    """Put ``model`` in a variant's precision and layout, in place.

    Args:
        model (nn.Module): A copy of the fp32 model.
        spec (dict | None): A value of :data:`VARIANTS`.
    """
    spec = dict(spec or dict(bf16=False))
    if spec.pop('bf16', True):
        wrap_cpu_bf16_model(model, require_native=False, **spec)
    elif spec.get('channels_last'):
        model.to(memory_format=torch.channels_last)


def runs_bf16(name):
    """Whether variant ``name`` computes in bf16."""
    spec = {**VARIANTS, **COMPILED_VARIANTS}.get(name.replace(RETAINED, ''))
    return spec is not None and spec.get('bf16', True)


def variant_names(compiled=False, bf16=True):
    """The variants to time.

    Args:
        compiled (bool): Add the :data:`COMPILED_VARIANTS`.
        bf16 (bool): Include the bf16 ones (on a CPU without bf16
            arithmetic they only show how slow emulated bf16 is).

    Returns:
        list[str]: Their names, the stock-attention one included (built
        only for models that have window attention).
    """
    names = [*VARIANTS, *(COMPILED_VARIANTS if compiled else ()),
             STOCK_ATTENTION]
    return [name for name in names if bf16 or not runs_bf16(name)]


def build_variants(config, names):
    """One model per precision, with the same (random) weights.

    Args:
        config (str): Config file.
        names (Sequence[str]): The variants to build (of :data:`VARIANTS`,
            :data:`COMPILED_VARIANTS` and :data:`STOCK_ATTENTION`).

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
    for name in names:
        if name == STOCK_ATTENTION:
            continue
        model = copy.deepcopy(base)
        prepare(model, {**VARIANTS, **COMPILED_VARIANTS}[name])
        if name in COMPILED_VARIANTS:
            compile_segmentor(model, modules=COMPILED_MODULES)
        variants[name] = model
    if STOCK_ATTENTION in names and any(
            isinstance(m, FastWindowMSA) for m in base.modules()):
        stock = copy.deepcopy(base)
        for module in stock.modules():
            if isinstance(module, FastWindowMSA):
                module.__class__ = WindowMSA
        variants[STOCK_ATTENTION] = stock
    return cfg, {
        name: (model, build_optimizer(model, cfg.optimizer))
        for name, model in variants.items()
    }


def train_step(model, optimizer, data):
    """One iteration as mmcv's runner and OptimizerHook run it."""
    model.train()
    losses = model(**data)
    loss, _ = model._parse_losses(losses)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


@torch.no_grad()
def inference(model, img):
    model.eval()
    return model(img=[img], img_metas=[[meta(*img.shape[2:])]],
                 return_loss=False)


def timed(fn, *args, clock=time.perf_counter):
    start = clock()
    fn(*args)
    return clock() - start


def train_batch(cfg):
    """A batch of random crops of the config's size, some pixels ignored."""
    batch, (h, w) = cfg.data.samples_per_gpu, cfg.crop_size
    torch.manual_seed(0)  # the same batch in both processes
    labels = torch.randint(0, cfg.model.decode_head.num_classes,
                           (batch, 1, h, w))
    labels[:, :, :h // 10] = 255
    return dict(img=torch.randn(batch, 3, h, w),
                img_metas=[meta(h, w)] * batch, gt_semantic_seg=labels)


def build_runs(models, names):
    """key -> dict(variants, data, batch, crop) for :func:`run_round`."""
    runs = {}
    for key in models:
        cfg, variants = build_variants(osp.join(CONFIGS, MODELS[key][1]),
                                       names)
        runs[key] = dict(variants=variants, data=train_batch(cfg),
                         batch=cfg.data.samples_per_gpu,
                         crop=list(cfg.crop_size))
    return runs


def run_round(runs, clock, phases):
    """Time every (model, precision) pair once.

    Returns:
        dict: key -> phase -> precision -> seconds.
    """
    img = torch.randn(1, 3, *FRAME)
    times = {}
    for key, run in runs.items():
        for name, (model, optimizer) in run['variants'].items():
            steps = dict(train=lambda: timed(
                train_step, model, optimizer, run['data'], clock=clock),
                         inference=lambda: timed(
                             inference, model, img, clock=clock))
            for phase in phases:
                times.setdefault(key, {}).setdefault(
                    phase, {})[name] = steps[phase]()
    return times


def serve_retained(conn, models, clock, phases, names):
    """A worker process: malloc keeps freed memory (as
    ``cpu_retain_memory = True`` does); it times ``names`` each time the
    parent sends ``'round'``."""
    if not retain_freed_memory():
        raise RuntimeError('malloc cannot be told to keep freed memory '
                           '(not glibc); run with --no-retained')
    runs = build_runs(models, names)
    conn.send({key: (run['batch'], run['crop']) for key, run in runs.items()})
    while conn.recv() == 'round':
        conn.send(run_round(runs, CLOCKS[clock], phases))


def bench(models, repeats, names, clock='wall', phases=PHASES,
          retained=True):
    """Train-step and inference times of every model and precision.

    All (model, precision) pairs run once per round, so that machine noise
    hits them alike and cross-model ratios are measured side by side too.
    This process keeps glibc's default malloc; with ``retained`` a spawned
    process with malloc keeping freed memory times its variants in the same
    rounds, right after this one's.

    Args:
        models (list[str]): Keys of ``MODELS``.
        repeats (int): Timed rounds, after one warm-up round.
        names (Sequence[str]): The variants (:func:`variant_names`);
            compiled ones compile in the untimed first round.
        clock (str): ``wall`` (``time.perf_counter``) or ``cpu``
            (``time.process_time``: CPU time of the process: on a machine
            shared with other jobs it counts only this model's work, if
            there is one thread to count).
        phases (Sequence[str]): What is timed, of :data:`PHASES`.
        retained (bool): Also time those of ``names`` in
            :data:`RETAINED_VARIANTS` (and :data:`RETAINED_COMPILED`) with
            malloc keeping freed memory.

    Returns:
        dict: key -> dict(batch, crop, train, inference), the last two
        mapping precision -> list of seconds (one per round).
    """
    runs = build_runs(models, names)
    results = {key: dict(batch=run['batch'], crop=run['crop'], train={},
                         inference={}) for key, run in runs.items()}
    if retained:
        context = multiprocessing.get_context('spawn')
        conn, child_conn = context.Pipe()
        worker = context.Process(target=serve_retained,
                                 args=(child_conn, models, clock, phases,
                                       [name for name in names if name in (
                                           *RETAINED_VARIANTS,
                                           RETAINED_COMPILED)]))
        worker.start()
        conn.recv()  # built
    try:
        for rep in range(repeats + 1):  # the first round warms up
            rounds = [(run_round(runs, CLOCKS[clock], phases), '')]
            if retained:
                conn.send('round')
                rounds.append((conn.recv(), RETAINED))
            for times, suffix in rounds:
                for key, by_phase in times.items():
                    for phase, by_name in by_phase.items():
                        for name, seconds in by_name.items():
                            if rep:
                                results[key][phase].setdefault(
                                    name + suffix, []).append(seconds)
    finally:
        if retained:
            conn.send('stop')
            worker.join()
    return results


def median_ratio(base, times):
    return statistics.median(b / t for b, t in zip(base, times))


def summarise(times, upernet=None):
    """Median seconds and median per-round ratios.

    Args:
        times (dict): precision -> seconds per round of one model.
        upernet (dict, optional): the same for UPerNet's inference.

    Returns:
        dict: precision -> ``seconds``, ``speedup`` (over this model's
        fp32) and, given ``upernet``, ``x_upernet_fp32`` (time / UPerNet's
        fp32 time) and ``x_upernet`` (time / UPerNet's time in the same
        precision; fp32 for the mmseg-attention variant); variants with
        retained memory also ``speedup_same_malloc`` (over fp32 with
        retained memory).
    """
    summary = {}
    for name, t in times.items():
        summary[name] = dict(seconds=statistics.median(t),
                             speedup=median_ratio(times['fp32'], t))
        if name.endswith(RETAINED):
            summary[name]['speedup_same_malloc'] = median_ratio(
                times['fp32' + RETAINED], t)
        if upernet is not None:
            same = upernet.get(name, upernet['fp32'])
            summary[name].update(
                x_upernet_fp32=1 / median_ratio(upernet['fp32'], t),
                x_upernet=1 / median_ratio(same, t))
    return summary


def table_cell(row, key, width, unit=''):
    """``row[key]`` right-aligned in ``width`` characters: seconds with 3
    decimals, ratios (``unit`` 'x') with 2; '–' where ``--phases`` left
    it untimed."""
    if key not in row:
        return f'{"–":>{width}s}'
    decimals = 2 if unit else 3
    return f'{row[key]:{width - len(unit)}.{decimals}f}{unit}'


def profile(config, names, phases=PHASES, rows=15):
    """Print the operators each phase of ``config`` spends time in, per
    variant of ``names`` (this process's malloc; ``cpu_retain_memory``
    applies process-wide, so run with it or without it as a whole)."""
    cfg, variants = build_variants(config, names)
    data = train_batch(cfg)
    img = torch.randn(1, 3, *FRAME)
    for name, (model, optimizer) in variants.items():
        steps = dict(train=lambda: train_step(model, optimizer, data),
                     inference=lambda: inference(model, img))
        for phase in phases:
            steps[phase]()  # warm-up
            with torch.profiler.profile() as prof:
                steps[phase]()
            print(f'\n== {name}, {phase}')
            print(prof.key_averages().table(sort_by='self_cpu_time_total',
                                            row_limit=rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+', choices=list(MODELS),
                        default=list(MODELS))
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--clock', choices=list(CLOCKS), default='wall')
    parser.add_argument('--profile', choices=list(MODELS))
    parser.add_argument(
        '--compile', action='store_true',
        help='also time TorchInductor-compiled models (compiling takes '
        'minutes per model and precision)')
    parser.add_argument('--phases', nargs='+', choices=PHASES,
                        default=list(PHASES), help='what is timed')
    parser.add_argument(
        '--no-retained', action='store_true',
        help='skip the process whose malloc keeps freed memory')
    parser.add_argument(
        '--retained-profile', action='store_true',
        help='with --profile: profile with malloc keeping freed memory')
    parser.add_argument(
        '--emulated-bf16', action='store_true',
        help='time the bf16 variants also on a CPU without bf16 '
        'arithmetic (AVX512-BF16 / AMX), where they are emulated and slow')
    parser.add_argument('--out', default=osp.join(RESULTS,
                                                  'bench_precision.json'))
    args = parser.parse_args()
    bf16 = cpu_has_native_bf16() or args.emulated_bf16
    if not bf16:
        print('this CPU has no bf16 arithmetic: timing fp32 only (what '
              'cpu_bf16 runs here); --emulated-bf16 adds the bf16 variants')
    names = variant_names(args.compile, bf16)
    if args.profile:
        if args.retained_profile and not retain_freed_memory():
            raise SystemExit('malloc cannot be told to keep freed memory')
        profile(osp.join(CONFIGS, MODELS[args.profile][1]), names,
                args.phases)
        return
    runs = bench(args.models, args.repeats, names, args.clock, args.phases,
                 not args.no_retained)
    # inference is also compared with UPerNet's, round by round
    upernet = runs['upernet']['inference'] if 'upernet' in runs else None
    results = {
        key: dict(model=MODELS[key][0],
                  config=osp.join('configs', 'gss', 'camvid', MODELS[key][1]),
                  batch=run['batch'], crop=run['crop'],
                  train=summarise(run['train']),
                  inference=summarise(run['inference'], upernet))
        for key, run in runs.items()
    }
    print(f'{"model":9s} {"precision":55s} {"train s":>8s} {"speed-up":>8s} '
          f'{"infer s":>8s} {"speed-up":>8s} {"×UPerNet":>8s} '
          f'{"×UPerNet fp32":>13s}')
    for res in results.values():
        for name in res['train'] or res['inference']:
            train = res['train'].get(name, {})
            infer = res['inference'].get(name, {})
            print(f'{res["model"]:9s} {name:55s} '
                  f'{table_cell(train, "seconds", 8)} '
                  f'{table_cell(train, "speedup", 8, "x")} '
                  f'{table_cell(infer, "seconds", 8)} '
                  f'{table_cell(infer, "speedup", 8, "x")} '
                  f'{table_cell(infer, "x_upernet", 8, "x")} '
                  f'{table_cell(infer, "x_upernet_fp32", 13, "x")}')
    write_results(args.out, models=results, frame=list(FRAME),
                  phases=list(args.phases), repeats=args.repeats,
                  clock=args.clock)


if __name__ == '__main__':
    main()
