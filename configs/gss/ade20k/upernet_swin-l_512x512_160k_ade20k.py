# UPerNet Swin-L baseline for the GSS-FF(-lean) ADE20K configs: mirrors
# mmseg 0.30's configs/swin/upernet_swin_large_patch4_window12_512x512_
# pretrain_384x384_22K_160k_ade20k.py (UPerHead with 512 channels and pool
# scales 1/2/3/6, auxiliary FCN head on the stride-16 level, AdamW lr 6e-5,
# 1500 warm-up iterations, 160k iterations, batch 2 × 8 GPUs). The Swin-L
# backbone, data, runtime and whole-image test are those of the published
# GSS-FF Swin-L ADE20K config it is compared with.
_base_ = './gss-ff_swin-l_512x512_160k_ade20k.py'
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    decode_head=dict(
        _delete_=True,
        type='UPerHead',
        in_channels=[192, 384, 768, 1536],
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=512,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=768,
        in_index=2,
        channels=256,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)))
data = dict(samples_per_gpu=2)
optimizer = dict(lr=6e-5)
