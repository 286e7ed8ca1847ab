# CamVid's short CPU schedule: 700 iterations (7.6 epochs at batch 4) of
# AdamW + poly, the pretrained backbone at 1/10 of the head's learning rate.
_base_ = './adamw_poly_cpu.py'
optimizer = dict(
    paramwise_cfg=dict(custom_keys=dict(backbone=dict(lr_mult=0.1))))
runner = dict(max_iters=700)
checkpoint_config = dict(interval=350)
evaluation = dict(interval=700)
