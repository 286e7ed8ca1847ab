# tiny_fcn with every source of randomness removed (fixed resize, no crop,
# flip, photometric distortion or dropout, no shuffling) and the whole
# dataset in each batch, so that training is reproducible step by step:
# used by the exact-resume and distributed tests.
_base_ = './tiny_fcn.py'
img_norm_cfg = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', img_scale=(64, 64), keep_ratio=False),
    dict(type='RandomFlip', prob=0.0),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='DefaultFormatBundle'),
    dict(type='Collect', keys=['img', 'gt_semantic_seg']),
]
model = dict(decode_head=dict(dropout_ratio=0.0))
data = dict(
    samples_per_gpu=8,
    train=dict(pipeline=train_pipeline),
    train_dataloader=dict(shuffle=False))
