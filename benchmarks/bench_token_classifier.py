"""Training-step cost of GSS-FF's token classifier layout.

The head classifies every 1/4-resolution cell into one of the tokenizer's
codes. ``GSSFFHead`` computes ``conv_seg`` as a matmul over channels-last
pixels and the token cross-entropy over a contiguous code dimension; the
plain mmseg way is a 1×1 ``nn.Conv2d`` on NCHW features and a loss over
the channel dimension. Both give the same numbers (tested in
``tests/test_heads``); this times one full training step (forward, loss,
backward) of the CamVid GSS-FF model with each, interleaved in one
process so that machine noise hits both alike.

    python benchmarks/bench_token_classifier.py [--config ...] [--repeats 5]
"""
import argparse
import json
import os
import os.path as osp
import platform
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import gss  # noqa: E402,F401
import mmcv  # noqa: E402
import torch  # noqa: E402
from mmcv.cnn.utils import revert_sync_batchnorm  # noqa: E402
from mmseg.models import build_segmentor  # noqa: E402
from mmseg.models.losses import accuracy  # noqa: E402

from gss.models.heads.gss_ff_head import GSSFFHead  # noqa: E402
from gss.models.heads.mla import windowed_attention  # noqa: E402

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
    return float(loss)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--config',
        default=osp.join(ROOT, 'configs', 'gss', 'camvid',
                         'gss-ff_r18_camvid.py'))
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--out', default=osp.join(
        RESULTS, 'bench_token_classifier.json'))
    args = parser.parse_args()
    cfg = mmcv.Config.fromfile(args.config)
    cfg.model.decode_head.tokenizer.checkpoint = None  # cost only
    torch.manual_seed(0)
    model = revert_sync_batchnorm(build_segmentor(cfg.model)).train()
    batch, (h, w) = cfg.data.samples_per_gpu, cfg.crop_size
    labels = torch.randint(0, cfg.model.decode_head.num_classes,
                           (batch, 1, h, w))
    labels[:, :, :h // 10] = 255
    meta = dict(ori_shape=(h, w, 3), img_shape=(h, w, 3),
                pad_shape=(h, w, 3), scale_factor=1.0, flip=False)
    data = dict(img=torch.randn(batch, 3, h, w), img_metas=[meta] * batch,
                gt_semantic_seg=labels)

    channels_last = (GSSFFHead.token_logits, GSSFFHead.token_losses)
    variants = {
        'NCHW conv_seg + channel-dim loss': (
            NCHWTokenClassifier.token_logits,
            NCHWTokenClassifier.token_losses),
        'channels-last matmul + last-dim loss (GSSFFHead)': channels_last,
    }
    times, losses = {}, {}
    try:
        for rep in range(args.repeats + 1):  # the first round warms up
            for name, (logits_fn, losses_fn) in variants.items():
                GSSFFHead.token_logits, GSSFFHead.token_losses = \
                    logits_fn, losses_fn
                start = time.perf_counter()
                losses[name] = train_step(model, data)
                if rep:
                    times.setdefault(name, []).append(
                        time.perf_counter() - start)
    finally:
        GSSFFHead.token_logits, GSSFFHead.token_losses = channels_last
    base = min(times[next(iter(variants))])
    rows = [dict(variant=name, seconds=min(t), speedup=base / min(t),
                 loss=losses[name]) for name, t in times.items()]
    print(f'{"variant":50s} {"s/step":>8s} {"speed-up":>9s} {"loss":>8s}')
    for r in rows:
        print(f'{r["variant"]:50s} {r["seconds"]:8.3f} '
              f'{r["speedup"]:8.2f}x {r["loss"]:8.4f}')
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(dict(rows=rows, config=osp.relpath(args.config, ROOT),
                       batch=batch, crop=[h, w],
                       tokens=model.decode_head.tokenizer.num_tokens,
                       repeats=args.repeats, torch=torch.__version__,
                       threads=torch.get_num_threads(),
                       machine=platform.processor() or platform.machine()),
                  f, indent=2)
    print(f'written {args.out}')


if __name__ == '__main__':
    main()
