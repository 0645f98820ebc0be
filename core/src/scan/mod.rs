//! Camera frames in (luma, NV21, NV12, I420 planes, BGRA/RGBA, stride, rotation), payloads out.
