# A tiny discriminative EncoderDecoder on generated street scenes: exercises
# the train/test tools in seconds. Tests override data_root.
_base_ = [
    '../../configs/gss/_base_/datasets/synthetic.py',
    '../../configs/gss/_base_/default_runtime.py'
]
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        stem_channels=8,
        base_channels=8,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        norm_cfg=norm_cfg,
        contract_dilation=True),
    decode_head=dict(
        type='FCNHead',
        in_channels=64,
        in_index=3,
        channels=16,
        num_convs=1,
        concat_input=False,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', loss_weight=1.0, avg_non_ignore=True)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
data = dict(samples_per_gpu=2, workers_per_gpu=0, persistent_workers=False)
optimizer = dict(type='AdamW', lr=1e-3, weight_decay=0.01)
optimizer_config = dict()
lr_config = dict(policy='poly', power=1.0, min_lr=0.0, by_epoch=False)
runner = dict(type='IterBasedRunner', max_iters=4)
checkpoint_config = dict(by_epoch=False, interval=2)
evaluation = dict(interval=1000, metric='mIoU', pre_eval=True)
log_config = dict(interval=1)
cudnn_benchmark = False
