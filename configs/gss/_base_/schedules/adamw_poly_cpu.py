# Short AdamW + poly schedule for CPU experiments; final configs set
# max_iters and the intervals.
optimizer = dict(
    type='AdamW',
    lr=1e-3,
    betas=(0.9, 0.999),
    weight_decay=0.01,
    paramwise_cfg=dict(
        custom_keys=dict(
            relative_position_bias_table=dict(decay_mult=0.),
            norm=dict(decay_mult=0.))))
optimizer_config = dict()
lr_config = dict(
    policy='poly',
    warmup='linear',
    warmup_iters=50,
    warmup_ratio=1e-3,
    power=1.0,
    min_lr=1e-6,
    by_epoch=False)
runner = dict(type='IterBasedRunner', max_iters=1000)
checkpoint_config = dict(by_epoch=False, interval=500, max_keep_ckpts=2)
evaluation = dict(interval=1000, metric='mIoU', pre_eval=True)
