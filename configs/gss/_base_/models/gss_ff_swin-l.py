# GSS-FF with a Swin-L backbone pre-trained on ImageNet-22k at 384×384
# (window 12): levels at strides 4/8/16/32, two shifted-window blocks in the
# head. The weights are mmseg's conversion of Microsoft's
# swin_large_patch4_window12_384_22k.pth, downloaded (and cached) by mmcv
# like the authors' config does; offline, put the file in mmcv's cache or
# set model.backbone.init_cfg.checkpoint to a local copy.
_base_ = './gss_ff.py'
model = dict(
    backbone=dict(
        type='SwinTransformer',
        pretrain_img_size=384,
        embed_dims=192,
        patch_size=4,
        window_size=12,
        mlp_ratio=4,
        depths=[2, 2, 18, 2],
        num_heads=[6, 12, 24, 48],
        strides=(4, 2, 2, 2),
        out_indices=(0, 1, 2, 3),
        qkv_bias=True,
        qk_scale=None,
        patch_norm=True,
        drop_rate=0.,
        attn_drop_rate=0.,
        drop_path_rate=0.3,
        use_abs_pos_embed=False,
        act_cfg=dict(type='GELU'),
        norm_cfg=dict(type='LN', requires_grad=True),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmsegmentation/v0.5/'
            'pretrain/swin/swin_large_patch4_window12_384_22k_20220412-'
            '6580f57d.pth')),
    decode_head=dict(in_channels=[384, 192, 768, 1536], swin_depth=2))
