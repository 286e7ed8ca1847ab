# GSS-FF with a dilated ResNet-101 (V1c, ImageNet) backbone: output stride 8
# (levels at strides 4/8/8/8), six shifted-window blocks in the head.
_base_ = './gss_ff.py'
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    pretrained='open-mmlab://resnet101_v1c',
    backbone=dict(
        type='ResNetV1c',
        depth=101,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True),
    decode_head=dict(in_channels=[512, 256, 1024, 2048], swin_depth=6))
