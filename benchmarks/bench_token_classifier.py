"""Training-step cost of GSS-FF's token classifier: layout and form.

The head classifies every 1/4-resolution cell into one of the tokenizer's
codes. ``GSSFFHead`` computes ``conv_seg`` as a matmul over channels-last
pixels and the token cross-entropy over a contiguous code dimension; the
plain mmseg way is a 1×1 ``nn.Conv2d`` on NCHW features and a loss over
the channel dimension. Both give the same numbers (tested in
``tests/test_models/test_heads``); this times one full training step (forward, loss,
backward) of the CamVid GSS-FF model with each, interleaved in one
process so that machine noise hits both alike.

With ``--forms`` it compares the classifier's form instead (the options of
the GSS-FF-lean configs, docs/lean.md), one model per form built from the
config, timed interleaved in the same way: the dense ``C → N`` 1×1 conv
(``C = classifier_channels``, ``N`` codes), factorised ``C → r → N``
(``token_classifier_rank=r``, each ``--ranks``) and predicting from fewer
channels ``c → N`` (``classifier_channels=c``, each ``--cls-channels``). It
also counts the token branch's operator multiply-adds per token cell
(conv_before_seg and the classifier; the shifted-window blocks are the same
for all forms and left out).

    python benchmarks/bench_token_classifier.py [--config ...] [--repeats 5]
    python benchmarks/bench_token_classifier.py --forms \
        --config configs/gss/camvid/gss-ff_effnet-lite0_256x256_700_camvid.py \
        [--ranks 32 64] [--cls-channels 32]
"""
import argparse
import copy
import os.path as osp
import sys
import time
from functools import partial

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gss  # noqa: E402,F401
import mmcv  # noqa: E402
import torch  # noqa: E402
from mmcv.cnn.utils import revert_sync_batchnorm  # noqa: E402
from mmseg.models import build_segmentor  # noqa: E402
from mmseg.models.losses import accuracy  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from gss.models.heads.gss_ff_head import GSSFFHead  # noqa: E402
from gss.models.heads.mla import windowed_attention  # noqa: E402
from benchmarks.results_file import write_results  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
RESULTS = osp.join(ROOT, 'benchmarks', 'results')


class NCHWTokenClassifier:
    """The NCHW baseline: ``conv_seg`` as a module, loss over channels."""

    @staticmethod
    def token_logits(head, fused):
        x = windowed_attention(fused, head.transformer_block, head.swin_ln)
        return head.conv_seg(head.conv_before_seg(x))

    @staticmethod
    def token_losses(head, token_logits, targets):
        ignore = head.tokenizer.num_tokens
        return {
            head.loss_token.loss_name:
            head.loss_token(token_logits.float(), targets,
                            ignore_index=ignore),
            'acc_token': accuracy(token_logits, targets, ignore_index=ignore)
        }


def train_step(model, data):
    model.zero_grad()
    losses = model.forward_train(**data)
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    loss.backward()
    return loss.item()


def build_model(cfg, **head_options):
    """The config's segmentor (random weights, BN) with head overrides."""
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.decode_head.update(head_options)
    torch.manual_seed(0)
    return revert_sync_batchnorm(build_segmentor(model_cfg)).train()


def synthetic_batch(cfg):
    """A training batch of the config's size: random image and labels."""
    batch, (h, w) = cfg.data.samples_per_gpu, cfg.crop_size
    labels = torch.randint(0, cfg.model.decode_head.num_classes,
                           (batch, 1, h, w))
    labels[:, :, :h // 10] = 255
    meta = dict(ori_shape=(h, w, 3), img_shape=(h, w, 3),
                pad_shape=(h, w, 3), scale_factor=1.0, flip=False)
    return dict(img=torch.randn(batch, 3, h, w), img_metas=[meta] * batch,
                gt_semantic_seg=labels)


def time_interleaved(steps, repeats, clock=time.perf_counter):
    """Best time and last loss of each step, run in turn ``repeats`` times
    after one warm-up round.

    Args:
        steps (dict[str, callable]): Name → a training step returning the
            loss.
        clock (callable): ``time.perf_counter`` (wall clock) or
            ``time.process_time`` (CPU time: with one thread, the time on
            a free core, which other jobs on a shared machine do not
            inflate).

    Returns:
        tuple[dict, dict]: name → best seconds, name → loss.
    """
    times, losses = {}, {}
    for rep in range(repeats + 1):
        for name, step in steps.items():
            start = clock()
            losses[name] = step()
            if rep:
                times.setdefault(name, []).append(clock() - start)
    return {name: min(t) for name, t in times.items()}, losses


def layout_rows(cfg, data, repeats, clock):
    """NCHW vs channels-last classifier layout, one model, same weights.

    Returns:
        tuple[list[dict], int]: One row per layout, and the vocabulary size.
    """
    model = build_model(cfg)
    layouts = {
        'NCHW conv_seg + channel-dim loss': (
            NCHWTokenClassifier.token_logits,
            NCHWTokenClassifier.token_losses),
        'channels-last matmul + last-dim loss (GSSFFHead)': (
            GSSFFHead.token_logits, GSSFFHead.token_losses),
    }

    def step(logits_fn, losses_fn):
        try:
            GSSFFHead.token_logits, GSSFFHead.token_losses = \
                logits_fn, losses_fn
            return train_step(model, data)
        finally:
            GSSFFHead.token_logits, GSSFFHead.token_losses = \
                layouts['channels-last matmul + last-dim loss (GSSFFHead)']

    times, losses = time_interleaved(
        {name: partial(step, *fns) for name, fns in layouts.items()},
        repeats, clock)
    return [dict(variant=name, seconds=times[name], loss=losses[name])
            for name in layouts], model.decode_head.tokenizer.num_tokens


def branch_macs_per_cell(head):
    """Multiply-adds per token cell of conv_before_seg + the classifier."""
    x = torch.zeros(1, head.conv_before_seg.conv.in_channels, 8, 8)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        pixels = head.conv_before_seg(x).permute(0, 2, 3, 1)
        if head.token_basis is not None:
            pixels = torch.nn.functional.linear(
                pixels, head.token_basis.weight.flatten(1))
        torch.nn.functional.linear(pixels, head.conv_seg.weight.flatten(1))
    return counter.get_total_flops() / 2 / 64


def form_rows(cfg, data, repeats, ranks, cls_channels, clock):
    """Dense vs factorised vs fewer-channel classifiers, one model each.

    Returns:
        tuple[list[dict], int]: One row per form, and the vocabulary size.
    """
    head = cfg.model.decode_head
    width = head.get('classifier_channels', 2048)
    forms = {f'dense {width}→N': {}}
    forms.update({f'factorised {width}→{r}→N': dict(token_classifier_rank=r)
                  for r in ranks})
    forms.update({f'fewer channels {c}→N': dict(classifier_channels=c)
                  for c in cls_channels})
    models = {name: build_model(cfg, **opts) for name, opts in forms.items()}
    times, losses = time_interleaved(
        {name: partial(train_step, model, data)
         for name, model in models.items()}, repeats, clock)
    return [dict(variant=name, options=forms[name], seconds=times[name],
                 loss=losses[name],
                 branch_macs_per_cell=branch_macs_per_cell(
                     model.decode_head),
                 params=sum(p.numel()
                            for p in model.decode_head.parameters()
                            if p.requires_grad))
            for name, model in models.items()], \
        models[next(iter(forms))].decode_head.tokenizer.num_tokens


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--config',
        default=osp.join(ROOT, 'configs', 'gss', 'synthetic',
                         'gss-ff_r18_synthetic.py'))
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--forms', action='store_true',
                        help='compare classifier forms, not layouts')
    parser.add_argument('--ranks', type=int, nargs='*', default=[32, 64],
                        help='--forms: ranks of the factorised forms')
    parser.add_argument('--cls-channels', type=int, nargs='*', default=[32],
                        help='--forms: widths of the fewer-channel forms')
    parser.add_argument('--clock', choices=['wall', 'cpu'], default='wall',
                        help='wall-clock or process CPU time')
    parser.add_argument('--out', help='JSON path (default: benchmarks/'
                        'results/bench_token_classifier[_forms].json)')
    args = parser.parse_args()
    out = args.out or osp.join(
        RESULTS, 'bench_token_classifier' + ('_forms' if args.forms else '')
        + '.json')
    cfg = mmcv.Config.fromfile(args.config)
    cfg.model.decode_head.tokenizer.checkpoint = None  # cost only
    data = synthetic_batch(cfg)
    clock = time.process_time if args.clock == 'cpu' else time.perf_counter
    if args.forms:
        rows, tokens = form_rows(cfg, data, args.repeats, args.ranks,
                                 args.cls_channels, clock)
    else:
        rows, tokens = layout_rows(cfg, data, args.repeats, clock)
    for r in rows:
        r['speedup'] = rows[0]['seconds'] / r['seconds']
    print(f'{"variant":50s} {"s/step":>8s} {"speed-up":>9s} {"loss":>8s}'
          + (f' {"MACs/cell":>10s}' if args.forms else ''))
    for r in rows:
        print(f'{r["variant"]:50s} {r["seconds"]:8.3f} '
              f'{r["speedup"]:8.2f}x {r["loss"]:8.4f}' +
              (f' {r["branch_macs_per_cell"]:10.0f}' if args.forms else ''))
    write_results(out, rows=rows, config=osp.relpath(args.config, ROOT),
                  batch=cfg.data.samples_per_gpu, crop=list(cfg.crop_size),
                  tokens=tokens, repeats=args.repeats, clock=args.clock)


if __name__ == '__main__':
    main()
