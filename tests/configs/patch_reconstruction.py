# Reconstruction upper bound (stage I eval) with the hand-checkable
# PatchLabelTokenizer on generated street scenes. Tests override data_root.
_base_ = [
    '../../configs/gss/_base_/datasets/synthetic.py',
    '../../configs/gss/_base_/default_runtime.py'
]
custom_imports = dict(imports=['gss', 'tests.patch_tokenizer'])
model = dict(
    type='MaskigeAutoencoder',
    tokenizer=dict(type='PatchLabelTokenizer'),
    palette='camvid',
    num_classes=11)
test_pipeline = [
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
    workers_per_gpu=0,
    persistent_workers=False,
    val=dict(pipeline=test_pipeline),
    test=dict(pipeline=test_pipeline))
