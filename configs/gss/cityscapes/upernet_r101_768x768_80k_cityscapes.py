# UPerNet R101 baseline for the GSS-FF(-lean) Cityscapes configs: mirrors
# mmseg 0.30's configs/upernet/upernet_r101_769x769_80k_cityscapes.py
# (align_corners=True, sliding-window test, SGD lr 0.01, 80k iterations,
# batch 2 × 8 GPUs) at GSS's 768×768 crop and windows (mmseg: 769/513), so
# that FLOPs compare per identical window (benchmarks/bench_flops.py).
_base_ = [
    '../_base_/models/upernet_r101.py',
    '../_base_/datasets/cityscapes_768x768.py',
    '../_base_/default_runtime.py'
]
model = dict(
    decode_head=dict(align_corners=True),
    auxiliary_head=dict(align_corners=True),
    test_cfg=dict(mode='slide', crop_size=(768, 768), stride=(512, 512)))
# mmseg's schedule_80k.py
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0005)
optimizer_config = dict()
lr_config = dict(policy='poly', power=0.9, min_lr=1e-4, by_epoch=False)
runner = dict(type='IterBasedRunner', max_iters=80000)
checkpoint_config = dict(by_epoch=False, interval=8000)
evaluation = dict(interval=8000, metric='mIoU', pre_eval=True)
