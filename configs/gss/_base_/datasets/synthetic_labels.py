# Generated street scenes for stage I (see camvid_labels.py): label crops
# for training; test pipelines collect the ground truth to reconstruct it.
_base_ = './synthetic.py'
stage1_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomCrop', crop_size=(64, 64)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='DefaultFormatBundle'),
    dict(type='Collect', keys=['img', 'gt_semantic_seg']),
]
stage1_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadTestAnnotations'),
    dict(
        type='MultiScaleFlipAug',
        img_scale=None,
        img_ratios=[1.0],
        flip=False,
        transforms=[
            dict(type='Resize', keep_ratio=True),
            dict(type='RandomFlip'),
            dict(type='ImageToTensor', keys=['img']),
            dict(type='ToTensor', keys=['gt_semantic_seg']),
            dict(type='Collect', keys=['img', 'gt_semantic_seg']),
        ])
]
data = dict(
    train=dict(pipeline=stage1_train_pipeline),
    val=dict(pipeline=stage1_test_pipeline),
    test=dict(pipeline=stage1_test_pipeline))
