"""Render the results tables of README.md, docs/ and configs/gss/README.md
from ``benchmarks/results/*.json``.

A table lives in a marked block of a markdown file::

    <!-- table:camvid -->
    | model | mIoU | ... |
    <!-- /table -->

and this script rewrites the lines between the markers with what
:data:`TABLES` renders for that name, so that every number of a table is
the number its run wrote, and a run has one number wherever it is quoted.
``--check`` rewrites nothing and exits with status 1 naming every block
that differs from its rendering
(``tests/test_benchmarks/test_render_tables.py`` runs it).

    python benchmarks/render_tables.py [--check]
"""
import argparse
import glob
import json
import os.path as osp
import re
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
RESULTS = osp.join(ROOT, 'benchmarks', 'results')
#: The markdown files whose marked blocks are rendered.
DOCS = ('README.md', 'docs/*.md', 'docs/*/*.md', 'configs/gss/README.md')
BLOCK = re.compile(r'(<!-- table:([\w-]+) -->\n)(.*?)(<!-- /table -->)',
                   re.S)

#: Configs renamed since their runs were recorded (old → new name). The
#: models are unchanged: same merged config but for the work-dir paths
#: (tests/test_configs/test_camvid_configs.py builds every renamed config
#: and compares it with its recorded parameter count).
RENAMED = {
    'vqvae_camvid': 'vqvae-1k_128x128_2k_camvid',
    'vqvae-4k_camvid': 'vqvae-4k_128x128_2k_camvid',
    'upernet_effnet-lite0_camvid': 'upernet_effnet-lite0_256x256_700_camvid',
    'gss-ff_effnet-lite0_camvid': 'gss-ff_effnet-lite0_256x256_700_camvid',
    'gss-ff-lean_effnet-lite0_camvid':
    'gss-ff-lean_effnet-lite0_256x256_700_camvid',
    'gss-ft-w_effnet-lite0_camvid':
    'gss-ft-w_effnet-lite0_256x256_700_300_camvid',
    'gss-ft-w-balanced_effnet-lite0_256x256_2k_camvid':
    'gss-ft-w-balanced_effnet-lite0_256x256_2k_1k_camvid',
}
CAMVID_CLASSES = ('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
                  'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist')


def load(name):
    """The JSON of ``benchmarks/results/<name>.json``."""
    with open(osp.join(RESULTS, f'{name}.json')) as f:
        return json.load(f)


def current_config(path):
    """A recorded config path under the config's current name."""
    folder, name = osp.split(path)
    name = osp.splitext(name)[0]
    return osp.join(folder, RENAMED.get(name, name) + '.py')


def table(head, rows):
    """Markdown table lines of ``head`` and ``rows`` (lists of str)."""
    lines = ['| ' + ' | '.join(head) + ' |',
             '| ' + ' | '.join('---' for _ in head) + ' |']
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines) + '\n'


def pct(value):
    """A metric stored as a fraction, in percent with two decimals."""
    return f'{100 * value:.2f}'


def link(config, prefix):
    """``[name](path)`` of a config, the path relative to the doc."""
    name = osp.splitext(osp.basename(config))[0]
    return f'[{name}]({prefix}{config})'


def camvid_runs(name):
    """``{current config path: run}`` of a CamVid results file."""
    return {current_config(run['config']): run for run in load(name)['runs']}


def render_camvid(prefix):
    """The converged CamVid suite: val metrics, per-class IoU, cost."""
    rows = []
    for run in load('camvid')['runs']:
        metric = run['metric']
        infer = run.get('infer_seconds_per_image')
        rows.append([
            run['label'], pct(metric['mIoU']), pct(metric['mAcc']),
            pct(metric['aAcc']),
            *(f"{100 * metric[f'IoU.{c}']:.1f}" for c in CAMVID_CLASSES),
            f"{run['params'] / 1e6:.2f}", f"{run['train_minutes']:.1f}",
            f'{infer:.3f}' if infer else '–'
        ])
    return table(['model', 'mIoU', 'mAcc', 'aAcc', *CAMVID_CLASSES,
                  'params (M)', 'train (min)', 'infer (s/img)'], rows)


def render_camvid_tokens(prefix):
    """Val token accuracy of the converged suite's GSS-FF models."""
    rows = []
    for run in load('camvid')['runs']:
        metric = run['metric']
        if 'token_accuracy' in metric:
            rows.append([run['label'], pct(metric['token_accuracy']),
                         pct(metric['token_accuracy_one_class']),
                         pct(metric['token_accuracy_mixed']),
                         pct(metric['token_accuracy_mixed_share'])])
    return table(['model', 'all cells (%)', 'one-class cells (%)',
                  'mixed cells (%)', 'mixed cells: share of val (%)'], rows)


def seed_mean(values):
    """``mean (seed a / seed b ...)`` of per-seed fractions, in percent."""
    mean = sum(values) / len(values)
    if len(values) == 1:
        return pct(mean)
    return f"{pct(mean)} ({' / '.join(pct(v) for v in values)})"


def render_camvid_posterior(prefix):
    """GSS-FF's test-time posterior options against UPerNet, one row per
    option over the training seeds: val mIoU, the thin classes, pixel
    accuracy in one-class and in mixed token cells, time side by side."""
    recorded = load('camvid_posterior')
    runs = recorded['runs']
    thin = ('Pole', 'Pedestrian', 'SignSymbol', 'Bicyclist')

    def row(name, metrics, cells, seconds, ratio):
        return [name, seed_mean([m['mIoU'] for m in metrics]),
                *(f"{100 * sum(m[f'IoU.{c}'] for m in metrics) / len(metrics):.1f}"
                  for c in thin),
                *(pct(sum(c[kind] for c in cells) / len(cells)) if cells
                  else '–' for kind in ('one_class', 'mixed')),
                f'{seconds:.3f}', f'{ratio:.2f}×']

    # UPerNet: the suite's recorded run (seed 0) and the checkpoints
    # scored here
    suite = [run for run in load('camvid')['runs']
             if current_config(run['config']) == recorded['baseline']]
    scored = [run['scored_baseline'] for run in runs
              if run['scored_baseline']]
    baseline_seconds = [run['baseline_infer_seconds_per_image']
                        for run in runs]
    rows = [row('UPerNet (baseline)',
                [run['metric'] for run in suite] +
                [s['metric'] for s in scored],
                [s['cell_accuracy'] for s in scored],
                sum(baseline_seconds) / len(baseline_seconds), 1.0)]
    for i, option in enumerate(runs[0]['rows']):
        per_seed = [run['rows'][i] for run in runs]
        rows.append(row(
            option['option'], [r['metric'] for r in per_seed],
            [r['cell_accuracy'] for r in per_seed],
            sum(r['infer_seconds_per_image'] for r in per_seed) / len(runs),
            sum(r['vs_baseline'] for r in per_seed) / len(runs)))
    seeds = ' and '.join(str(run['seed']) for run in runs)
    seeds = f"seed{'s' if len(runs) > 1 else ''} {seeds}"
    if scored:
        uper = (f"{len(suite)} seed from the suite (`camvid.json`) and "
                f"{len(scored)} scored here (its cell accuracies)")
    else:
        uper = (f"{len(suite)} seed from the suite (`camvid.json`); no "
                'checkpoint scored here, so no cell accuracies')
    tokens = '; '.join(
        f"seed {run['seed']}: {pct(run['token_accuracy']['one_class'])}% "
        f"of one-class cells, {pct(run['token_accuracy']['mixed'])}% of "
        'mixed cells' for run in runs)
    share = runs[0]['rows'][0]['cell_accuracy']['mixed_share']
    return table(['model: test-time option', 'val mIoU: mean (per seed)',
                  *thin, 'pixel acc. one-class cells (%)',
                  'pixel acc. mixed cells (%)', 'infer (s/img)',
                  '× UPerNet'], rows) + (
        f"\nGSS-FF {seeds}; UPerNet: {uper}. "
        f"Mixed cells hold {pct(share)}% of the labelled val "
        'pixels. Token accuracy of the argmax tokens: '
        f"{tokens}.\n")


def render_camvid_cell_grid(prefix):
    """Share of each class's val pixels that lie in mixed token cells, per
    cell side."""
    recorded = load('camvid_cell_grid')
    classes = ('Pole', 'Pedestrian', 'SignSymbol', 'Bicyclist', 'Fence',
               'Car')
    return table(['token cell (label pixels)', 'cells per image',
                  'mixed cells (%)', 'all classes (%)', *classes], [
        [f"{row['cell']}×{row['cell']}", f"{row['cells_per_image']:,.0f}",
         pct(row['mixed_cells']), pct(row['mixed_pixels']),
         *(f"{100 * row['mixed_pixels_per_class'][c]:.1f}" for c in classes)]
        for row in recorded['rows']])


def render_camvid_fusion_fit(prefix):
    """Training mIoU of each fusion threshold (the fit of the config's)."""
    fit = load('camvid_fusion_fit')

    def name(threshold):
        return 'off' if threshold is None else f'{threshold:g}'

    return table(['pixel fusion threshold', 'train mIoU'], [
        [name(row['threshold']), pct(row['mIoU'])]
        for row in fit['rows']]) + (
        f"\nOn {fit['images']} training images; best: "
        f"{name(fit['best'])}.\n")


def render_camvid_curves(prefix):
    """Val mIoU at each evaluation of the converged suite's runs."""
    rows = []
    for label, points in load('camvid_curves')['curves'].items():
        rows.append([label, ' / '.join(
            f"{pct(p['mIoU'])} ({p['epochs']:.1f})" for p in points)])
    return table(['model', 'val mIoU (epochs) at each evaluation'], rows)


def render_quickstart(prefix):
    """Each stage of a recorded quick start: val metrics, training time,
    and the classes it leaves at 0 IoU."""
    recorded, rows = load('quickstart'), []
    for stage in recorded['stages']:
        metric = stage['metric']
        zero = [c for c in CAMVID_CLASSES if metric[f'IoU.{c}'] == 0]
        rows.append([stage['stage'], link(stage['config'], prefix),
                     pct(metric['mIoU']), pct(metric['aAcc']),
                     ', '.join(zero) or 'none',
                     f"{stage['train_minutes']:.1f}"])
    return table(['stage', 'config', 'val mIoU', 'aAcc', '0 IoU',
                  'train (min)'], rows) + (
        f"\n{recorded['cpu']}, {recorded['cores']} cores, "
        f"torch {recorded['torch']}.\n")


def render_token_loss(prefix):
    """TokenCrossEntropyLoss and distinct-cell targets against mmseg's
    loss and every cell, side by side."""
    rows = [[row['part'], f"{row['before']:.3f}", f"{row['after']:.3f}",
             f"{row['speedup']:.2f}×"]
            for row in load('bench_token_loss')['rows']]
    return table(['part', 'before (s)', 'after (s)', 'speed-up'], rows)


def paper_metric(row):
    """The paper's metric of a model zoo row, '–' where it has none."""
    return '–' if row['paper'] is None else f"{row['paper']:.2f}"


def render_model_zoo(prefix):
    """The published models: paper metric, params, FLOPs of one window."""
    rows = []
    for row in load('model_zoo')['rows']:
        metric = paper_metric(row)
        if row['metric'] != 'mIoU' and row['paper'] is not None:
            metric += f" ({row['metric']})"
        h, w = row['input']
        rows.append([link(row['config'], prefix), metric,
                     f"{row['params']:.2f} M",
                     f"{row['gflops']:.1f} G ({h}×{w})"])
    return table(['config', 'paper', 'params', 'FLOPs (input)'], rows)


#: Names of a published config's fields (``{algo}_{backbone}_...``).
ALGOS = {'gss-ff': 'GSS-FF', 'gss-ft-w': 'GSS-FT-W'}
BACKBONES = {'r101': 'R101', 'swin-l': 'Swin-L', 'hrnet-w48': 'HRNet-W48'}
DATASETS = {'cityscapes': 'Cityscapes', 'ade20k': 'ADE20K', 'mseg': 'MSeg'}


def zoo_fields(row):
    """(folder, algo, backbone, crop) of a model zoo row's config name;
    the DALL·E reconstruction configs have no backbone or crop."""
    folder, name = row['config'].split('/')[-2:]
    fields = osp.splitext(name)[0].split('_')
    if fields[0] not in ALGOS:
        return folder, None, None, None
    return folder, fields[0], fields[1], fields[2].replace('x', '×')


def render_zoo_models(folder):
    """The published GSS-FF and GSS-FT-W models of one dataset: schedule,
    the paper's metric, params (trained in that stage), FLOPs."""
    def render(prefix):
        rows = [row for row in load('model_zoo')['rows']
                if zoo_fields(row)[0] == folder and zoo_fields(row)[1]]
        ff_iters = {zoo_fields(row)[2]: row['iters'] for row in rows
                    if zoo_fields(row)[1] == 'gss-ff'}
        lines = []
        for row in rows:
            _, algo, backbone, crop = zoo_fields(row)
            iters = f"{row['iters'] // 1000}k"
            if algo == 'gss-ft-w':  # trained on its GSS-FF checkpoint
                iters = f'{ff_iters[backbone] // 1000}k + {iters}'
            lines.append([
                ALGOS[algo], BACKBONES[backbone], crop, iters,
                paper_metric(row),
                f"{row['params']:.2f} M ({row['trainable_params']:.2f} M)",
                f"{row['gflops']:.1f} G", link(row['config'], prefix)])
        return table(['model', 'backbone', 'crop', 'iters',
                      f"{rows[0]['metric']} (paper)", 'params',
                      'FLOPs (one test window)', 'config'], lines)

    return render


def render_zoo_reconstruction(prefix):
    """The DALL·E dVAE's reconstruction upper bound of each dataset."""
    rows = []
    for row in load('model_zoo')['rows']:
        folder, algo = zoo_fields(row)[:2]
        if algo is None:
            h, w = row['input']
            rows.append([DATASETS[folder], paper_metric(row),
                         f"{row['params']:.2f} M (frozen)",
                         f"{row['gflops']:.1f} G ({h}×{w})",
                         link(row['config'], prefix)])
    return table(['dataset', 'mIoU (paper)', 'params',
                  'FLOPs for one label map', 'config'], rows)


def render_zoo_flops(prefix):
    """GFLOPs of each published model by part, and mmcv's count."""
    rows = []
    for row in load('model_zoo')['rows']:
        folder, algo, backbone, _ = zoo_fields(row)
        parts = row['parts']
        h, w = row['input']
        if algo:
            cells = [f'{ALGOS[algo]} {BACKBONES[backbone]} '
                     f'({DATASETS[folder]})',
                     f"{parts['backbone']:.1f}", f"{parts['decode head']:.1f}",
                     f"{parts['tokenizer']:.1f}"]
        else:
            cells = [f'DALL·E reconstruction ({DATASETS[folder]})', 'none',
                     'none', f"{parts['tokenizer']:.1f} (encode + decode)"]
        rows.append([cells[0], f'{h}×{w}', *cells[1:],
                     f"{row['gflops']:.1f}", f"{row['mmcv_gflops']:.1f}"])
    return table(['model', 'input', 'backbone', 'head (without dVAE)',
                  'dVAE', 'total', 'mmcv counter'], rows)


def render_flops(prefix):
    """GSS-FF, GSS-FF-lean and UPerNet FLOPs with the same backbone."""
    rows = []
    for row in load('flops')['rows']:
        h, w = row['input']
        parts = row['parts']
        tokenizer = parts.get('tokenizer')
        rows.append([f"{row['setting']} ({h}×{w})", row['model'],
                     link(current_config(row['config']), prefix),
                     f"{row['gflops']:.1f}", f"{parts['backbone']:.1f}",
                     f"{parts['decode head']:.1f}",
                     f'{tokenizer:.1f}' if tokenizer else '–',
                     f"{row['params']:.2f}", f"{row['vs_upernet']:.2f}×"])
    return table(['backbone, input', 'model', 'config', 'GFLOPs',
                  'backbone', 'head', 'tokenizer', 'params (M)',
                  '× UPerNet'], rows)


def render_memory(prefix):
    """Peak test-time memory of one window, whole against tiled decoding."""
    rows = [[link(row['config'], prefix),
             '×'.join(map(str, row['input'])),
             str(row['decode_tile_size'] or 'whole'),
             f"{row['peak_gib']:.2f}", f"{row['vs_whole']:.2f}×",
             f"{row['seconds']:.0f}"]
            for row in load('memory')['rows']]
    return table(['config', 'window', 'decode tiles', 'peak GiB',
                  '× whole', 's (CPU)'], rows)


def render_lean_time(prefix):
    """Inference time of UPerNet, GSS-FF and GSS-FF-lean, side by side."""
    rows = []
    for row in load('lean_time')['rows']:
        h, w = row['input']
        rows.append([f"{row['setting']} ({h}×{w})", row['model'],
                     link(current_config(row['config']), prefix),
                     row['precision'], f"{row['seconds']:.2f}",
                     f"{row['vs_upernet']:.2f}×"])
    return table(['backbone, input', 'model', 'config', 'precision',
                  's / window', '× UPerNet'], rows)


def render_lean_profile(prefix):
    """UPerNet's and GSS-FF-lean's time by part, against their FLOPs."""
    rows = []
    for row in load('lean_profile')['rows']:
        h, w = row['input']
        for part, spent in row['parts'].items():
            if part == 'rest':
                continue
            rate = spent['gflops'] / spent['seconds']
            rows.append([f"{row['setting']} ({h}×{w})", row['model'], part,
                         f"{spent['seconds']:.3f}", f"{spent['gflops']:.1f}",
                         f'{rate:.1f}'])
    return table(['backbone, input', 'model', 'part', 's', 'GFLOPs',
                  'GFLOP/s'], rows)


def render_lean_ops(prefix):
    """The operators that take the most time in UPerNet and GSS-FF-lean."""
    rows = [[row['setting'], row['model'],
             ', '.join(f"{name.replace('aten::', '')} {100 * share:.0f}%"
                       for name, share in row['top_ops'])]
            for row in load('lean_profile')['rows']]
    return table(['backbone, input', 'model',
                  'operators by self CPU time (share)'], rows)


def render_lean_options(prefix):
    """Cheaper CamVid lean heads: time and FLOPs beside UPerNet's."""
    rows = [[row['option'], f"{row['seconds']:.3f}",
             f"{row['vs_upernet']:.2f}×", f"{row['gflops']:.2f}"]
            for row in load('lean_options')['rows']]
    return table(['model (CamVid frame, 360×480)', 's', '× UPerNet',
                  'GFLOPs'], rows)


def render_stage1_cpu(prefix):
    """CPU time of a stage-I iteration and of one epoch, one thread."""
    rows = [[link(row['config'], prefix), str(row['codes']),
             f"{row['batch']} × {row['crop'][0]}×{row['crop'][1]}",
             f"{row['seconds_per_iter']:.2f}", str(row['iters_per_epoch']),
             f"{row['epoch_hours']:.2f}"]
            for row in load('stage1_cpu')['rows']]
    return table(['config', 'codes', 'batch', 'CPU s / iteration',
                  'iterations / epoch', 'hours / epoch (one core)'], rows)


def render_onnx(prefix):
    """ONNX Runtime against PyTorch on the CamVid models."""
    rows = [[
        row['model'], f"{row['pytorch_s']:.3f}", f"{row['onnxruntime_s']:.3f}",
        f"{row['speedup']:.2f}×", f"{100 * row['label_agreement']:.1f}%"
    ] for row in load('bench_onnx')['rows']]
    return table(['model (CamVid, 360×480)', 'PyTorch s/img',
                  'ONNX Runtime s/img', 'ORT speed-up', 'identical labels'],
                 rows)


def render_cpu_speed(prefix, name='bench_precision', phase='train'):
    """Seconds per step and speed-up over fp32 of each CPU setting."""
    models = load(name)['models']
    settings = list(dict.fromkeys(
        setting for model in models.values() for setting in model[phase]))
    rows = []
    for setting in settings:
        cells = [setting]
        for model in models.values():
            timed = model[phase].get(setting)
            cells.append(f"{timed['seconds']:.3f} s ({timed['speedup']:.2f}×)"
                         if timed else '–')
        rows.append(cells)
    return table(['setting', *(m['model'] for m in models.values())], rows)


def render_cpu_kernels(prefix, name='bench_cpu_kernels'):
    """Milliseconds of the kernels behind the CPU switches."""
    rows = [[group, kernel, f'{ms:.2f}']
            for group, kernels in load(name)['milliseconds'].items()
            for kernel, ms in kernels.items()]
    return table(['kernel group', 'kernel', 'ms'], rows)


def render_summary(prefix):
    """One row per experiment, each with the doc that reports it."""
    camvid = {run['label']: run['metric']['mIoU']
              for run in load('camvid')['runs']}
    models = ('UPerNet', 'GSS-FF', 'GSS-FT-W', 'GSS-FF-lean')
    miou = ', '.join(
        f'{model} {pct(value)}' for model in models
        for label, value in camvid.items()
        if label.startswith(f'(b) {model},'))
    flops = ', '.join(
        f"{row['setting']} {row['vs_upernet']:.2f}×"
        for row in load('flops')['rows']
        if row['model'] == 'GSS-FF-lean' and 'CamVid' not in row['setting'])
    onnx = load('bench_onnx')['rows']
    agree = min(row['label_agreement'] for row in onnx)
    speedups = ', '.join(f"{row['model']} {row['speedup']:.2f}×"
                         for row in onnx)
    ff = load('bench_precision')['models']['gss-ff']
    best = max(ff['train'].items(), key=lambda item: item[1]['speedup'])
    posterior = load('camvid_posterior')['runs']
    options = [
        (sum(run['rows'][i]['metric']['mIoU'] for run in posterior) /
         len(posterior), run_rows[i]['option'],
         sum(run['rows'][i]['vs_baseline'] for run in posterior) /
         len(posterior))
        for run_rows in [posterior[0]['rows']]
        for i in range(len(run_rows))]
    top = max(options)
    return table(['experiment', 'result', 'report'], [
        ['CamVid-11, converged suite (val mIoU, seed 0)', miou,
         f'[camvid.md]({prefix}docs/experiments/camvid.md)'],
        [f'CamVid-11, GSS-FF read through its token posterior (best '
         f'option, val mIoU over {len(posterior)} seed'
         f"{'s' if len(posterior) > 1 else ''})",
         f'{top[1]}: {pct(top[0])}, {top[2]:.1f}× UPerNet\'s time',
         f'[camvid.md]({prefix}docs/experiments/camvid.md'
         '#gss-ff-against-upernet-at-mixed-cells)'],
        ['GSS-FF-lean FLOPs (× UPerNet, same backbone)', flops,
         f'[lean.md]({prefix}docs/lean.md)'],
        ['ONNX Runtime parity (identical labels; speed-up)',
         f'{100 * agree:.1f}%; {speedups}',
         f'[deployment.md]({prefix}docs/deployment.md)'],
        ['CPU speed, GSS-FF training step (× fp32)',
         f"{best[1]['speedup']:.2f}× with {best[0]}",
         f'[cpu_speed.md]({prefix}docs/cpu_speed.md)'],
    ])


def render_configs(folder):
    """The configs of ``configs/gss/<folder>`` with their recorded
    results (CamVid: val mIoU of the converged suite's runs; published:
    the paper's)."""
    def render(prefix):
        results = {}
        if folder == 'camvid':
            for config, run in camvid_runs('camvid').items():
                results[config] = f"{pct(run['metric']['mIoU'])} val mIoU"
            posterior = load('camvid_posterior')
            # the config's own option: top-k posterior and fusion, the last
            own = [run['rows'][-1]['metric']['mIoU']
                   for run in posterior['runs']]
            results[posterior['config']] = (
                f'{pct(sum(own) / len(own))} val mIoU '
                f"(mean of {len(own)} seed{'s' if len(own) > 1 else ''})")
        else:
            for row in load('model_zoo')['rows']:
                if row['paper'] is not None:
                    results[row['config']] = (f"{row['paper']:.2f} "
                                              f"{row['metric']} (paper)")
        rows = []
        for path in sorted(glob.glob(
                osp.join(ROOT, 'configs', 'gss', folder, '*.py'))):
            config = osp.relpath(path, ROOT)
            rows.append([link(config, prefix),
                         results.get(config, '–')])
        return table(['config', 'result'], rows)

    return render


#: table name → renderer(prefix of repository paths from the doc)
TABLES = dict(
    camvid=render_camvid,
    camvid_tokens=render_camvid_tokens,
    camvid_curves=render_camvid_curves,
    camvid_posterior=render_camvid_posterior,
    camvid_fusion_fit=render_camvid_fusion_fit,
    camvid_cell_grid=render_camvid_cell_grid,
    token_loss=render_token_loss,
    quickstart=render_quickstart,
    model_zoo=render_model_zoo,
    **{f'zoo-{folder}': render_zoo_models(folder)
       for folder in ('cityscapes', 'ade20k', 'mseg')},
    zoo_reconstruction=render_zoo_reconstruction,
    zoo_flops=render_zoo_flops,
    flops=render_flops,
    memory=render_memory,
    lean_time=render_lean_time,
    lean_profile=render_lean_profile,
    lean_ops=render_lean_ops,
    lean_options=render_lean_options,
    onnx=render_onnx,
    stage1_cpu=render_stage1_cpu,
    **{f"{name.replace('bench_', '')}_{phase}":
       (lambda name, phase: lambda prefix: render_cpu_speed(
           prefix, name, phase))(name, phase)
       for name, phases in (
           ('bench_precision', ('train', 'inference')),
           ('bench_precision_avx2', ('train', 'inference')),
           ('bench_precision_compile', ('inference', )),
           ('bench_precision_compile_avx2', ('inference', )),
           ('bench_precision_compile_cpu1', ('inference', )))
       for phase in phases},
    cpu_kernels=render_cpu_kernels,
    cpu_kernels_avx2=lambda prefix: render_cpu_kernels(
        prefix, 'bench_cpu_kernels_avx2'),
    summary=render_summary,
    **{f'configs-{folder}': render_configs(folder)
       for folder in ('cityscapes', 'ade20k', 'mseg', 'camvid', 'synthetic')})


def documents():
    """The markdown files that may hold table blocks, repository-relative."""
    return sorted({osp.relpath(path, ROOT) for pattern in DOCS
                   for path in glob.glob(osp.join(ROOT, pattern))})


def render_document(path):
    """The text of ``path`` with every table block rendered; the names of
    its blocks."""
    with open(osp.join(ROOT, path)) as f:
        text = f.read()
    prefix = '../' * path.count('/')
    names = []

    def replace(match):
        name = match.group(2)
        if name not in TABLES:
            raise SystemExit(f'error: {path}: no table {name!r}; the tables '
                             f'are {", ".join(sorted(TABLES))}')
        names.append(name)
        return match.group(1) + TABLES[name](prefix) + match.group(4)

    return BLOCK.sub(replace, text), names


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--check', action='store_true',
                        help='rewrite nothing; exit 1 if a table is stale')
    args = parser.parse_args(argv)
    stale = []
    for path in documents():
        rendered, names = render_document(path)
        with open(osp.join(ROOT, path)) as f:
            current = f.read()
        if rendered == current:
            continue
        stale.append(path)
        if not args.check:
            with open(osp.join(ROOT, path), 'w') as f:
                f.write(rendered)
            print(f'rendered {path}: {", ".join(names)}')
    if args.check and stale:
        print('stale tables in ' + ', '.join(stale) +
              ': run python benchmarks/render_tables.py', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
