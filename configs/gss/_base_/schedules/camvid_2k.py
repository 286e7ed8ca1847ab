# CamVid's converged CPU schedule: 2,000 iterations (21.8 epochs at batch 4)
# of AdamW + poly, the pretrained backbone at 1/10 of the head's learning
# rate, in bf16 autocast with channels-last weights on the CPU (cpu_bf16
# applies on the CPU only); val mIoU every 400 iterations for the curves.
_base_ = './adamw_poly_cpu.py'
optimizer = dict(
    paramwise_cfg=dict(custom_keys=dict(backbone=dict(lr_mult=0.1))))
cpu_bf16 = dict(channels_last=True)
runner = dict(max_iters=2000)
checkpoint_config = dict(interval=1000)
evaluation = dict(interval=400)
