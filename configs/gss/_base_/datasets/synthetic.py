# Generated street scenes (CamVid-11 classes, SegNet layout), see
# docs/datasets.md. Make them first:
#   python tools/make_synthetic_dataset.py data/synthetic_street
dataset_type = 'SyntheticStreetDataset'
data_root = 'data/synthetic_street'
img_norm_cfg = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
img_scale = (128, 96)  # (w, h): the generator's default size
crop_size = (64, 64)  # (h, w)
# Override through `data`, e.g. --cfg-options data.workers_per_gpu=0
# data.persistent_workers=False (torch needs both for in-process loading).
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
# img_scale=None with ratio 1.0 keeps each image at its stored size, so the
# test pipeline suits any --height/--width given to the generator.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiScaleFlipAug',
        img_scale=None,
        img_ratios=[1.0],
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
    test=dict(
        type=dataset_type,
        data_root=data_root,
        img_dir='val',
        ann_dir='valannot',
        pipeline=test_pipeline))
