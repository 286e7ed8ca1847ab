# CamVid label maps for stage I (maskige tokenizer training and the
# reconstruction upper bound): the image is loaded but unused; test-time
# pipelines collect the ground truth because the model reconstructs it.
_base_ = './camvid.py'
label_crop_size = (128, 128)
stage1_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='Resize',
        img_scale=(480, 360),
        ratio_range=(0.75, 1.5)),
    dict(type='RandomCrop', crop_size=label_crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Pad', size=label_crop_size, pad_val=0, seg_pad_val=255),
    dict(type='DefaultFormatBundle'),
    dict(type='Collect', keys=['img', 'gt_semantic_seg']),
]
stage1_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadTestAnnotations'),
    dict(
        type='MultiScaleFlipAug',
        img_scale=(480, 360),
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
