#ifndef KIOSK_V4L2_H
#define KIOSK_V4L2_H

/// The kernel's V4L2 structs and constants for KioskIO's camera (docs/camera-v4l2.md). The VIDIOC_* request numbers
/// are function-like macros Swift cannot import: V4L2Ioctl.swift computes them, and a test compares them with these
/// headers compiled by gcc.
#include <linux/videodev2.h>

#endif
