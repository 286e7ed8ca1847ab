# GSS-FF on CamVid, setting (b): ImageNet-pretrained EfficientNet-Lite0
# (make the weights once with
#   python tools/model_converters/efficientnet_lite2timm.py \
#       --out pretrain/efficientnet_lite0_timm.pth).
_base_ = './gss-ff_r18_camvid.py'
model = dict(
    backbone=dict(
        _delete_=True,
        type='EfficientNetLite',
        arch='tf_efficientnet_lite0',
        out_indices=(1, 2, 3, 4),
        pretrained='pretrain/efficientnet_lite0_timm.pth',
        data_norm={{_base_.img_norm_cfg}}),
    decode_head=dict(in_channels=[24, 40, 112, 320]))
# The pretrained backbone learns 10× slower than the randomly initialised
# head (for GSS and the baseline alike).
optimizer = dict(
    paramwise_cfg=dict(custom_keys=dict(backbone=dict(lr_mult=0.1))))
