# CamVid-11 in the SegNet layout (480x360), sized for CPU experiments.
# Link the data first: ln -s /path/to/camvid data/camvid (see docs/datasets.md)
dataset_type = 'CamVidDataset'
data_root = 'data/camvid'
img_norm_cfg = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
img_scale = (480, 360)  # (w, h): CamVid's native size in the SegNet release
# A 256x256 crop of the 0.5x-2.0x rescaled frame: about a third of a native
# frame, which keeps CPU steps short while covering whole cars and people.
# camvid_full.py trains on full 360x480 crops instead.
crop_size = (256, 256)  # (h, w)
# Override through `data`, e.g. --cfg-options data.samples_per_gpu=8.
# mmseg's build_dataloader defaults to persistent_workers=True, which torch
# rejects without workers: with data.workers_per_gpu=0 also set
# data.persistent_workers=False.
samples_per_gpu = 4
workers_per_gpu = 2
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', img_scale=img_scale, ratio_range=(0.5, 2.0)),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='Pad', size=crop_size, pad_val=0, seg_pad_val=255),
    dict(type='DefaultFormatBundle'),
    dict(type='Collect', keys=['img', 'gt_semantic_seg']),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiScaleFlipAug',
        img_scale=img_scale,
        flip=False,
        transforms=[
            dict(type='Resize', keep_ratio=True),
            dict(type='RandomFlip'),
            dict(type='Normalize', **img_norm_cfg),
            dict(type='ImageToTensor', keys=['img']),
            dict(type='Collect', keys=['img']),
        ])
]
data = dict(
    samples_per_gpu=samples_per_gpu,
    workers_per_gpu=workers_per_gpu,
    persistent_workers=workers_per_gpu > 0,
    train=dict(
        type=dataset_type,
        data_root=data_root,
        img_dir='train',
        ann_dir='trainannot',
        pipeline=train_pipeline),
    val=dict(
        type=dataset_type,
        data_root=data_root,
        img_dir='val',
        ann_dir='valannot',
        pipeline=test_pipeline),
    # SegNet's test split (233 images) is test/ + testannot/; val is used
    # here because not every copy of the data ships it.
    test=dict(
        type=dataset_type,
        data_root=data_root,
        img_dir='val',
        ann_dir='valannot',
        pipeline=test_pipeline))
