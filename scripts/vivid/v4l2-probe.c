/*
 * v4l2-probe: test tooling for scripts/v4l2-vivid.sh (docs/camera-vivid.md), not part of kioskd.
 * Asks a V4L2 capture node what it offers (QUERYCAP, ENUM_FMT, ENUM_FRAMESIZES) and grabs one
 * YUYV frame through mmap, so the VM harness can be checked against a real kernel driver before
 * kioskctl is run in it. With FRAMES > 1 it keeps streaming and reports how the kernel answers when
 * the device goes away (scripts/v4l2-vivid.sh --unplug-after).
 * Usage: v4l2-probe DEVICE [OUTFILE.yuyv] [WIDTH HEIGHT [FRAMES]]
 * Built with `gcc -static` so the initramfs needs no shared libraries for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static int xioctl(int fd, unsigned long request, void *arg) {
    int r;
    do {
        r = ioctl(fd, request, arg);
    } while (r == -1 && errno == EINTR);
    return r;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void fourcc(uint32_t f, char out[5]) {
    out[0] = f & 0xff;
    out[1] = (f >> 8) & 0xff;
    out[2] = (f >> 16) & 0xff;
    out[3] = (f >> 24) & 0xff;
    out[4] = 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s DEVICE [OUTFILE] [WIDTH HEIGHT]\n", argv[0]);
        return 2;
    }
    const char *outPath = argc > 2 ? argv[2] : NULL;
    unsigned width = argc > 4 ? (unsigned)atoi(argv[3]) : 640;
    unsigned height = argc > 4 ? (unsigned)atoi(argv[4]) : 480;
    unsigned frames = argc > 5 ? (unsigned)atoi(argv[5]) : 1;

    int fd = open(argv[1], O_RDWR | O_NONBLOCK);
    if (fd < 0) {
        perror("open");
        return 1;
    }
    struct v4l2_capability cap;
    memset(&cap, 0, sizeof cap);
    if (xioctl(fd, VIDIOC_QUERYCAP, &cap) < 0) {
        perror("VIDIOC_QUERYCAP");
        return 1;
    }
    printf("driver=%s card=%s bus=%s version=%u.%u.%u caps=0x%08x device_caps=0x%08x\n", cap.driver, cap.card,
           cap.bus_info, (cap.version >> 16) & 0xff, (cap.version >> 8) & 0xff, cap.version & 0xff,
           cap.capabilities, cap.device_caps);
    printf("capture=%d streaming=%d readwrite=%d\n", !!(cap.device_caps & V4L2_CAP_VIDEO_CAPTURE),
           !!(cap.device_caps & V4L2_CAP_STREAMING), !!(cap.device_caps & V4L2_CAP_READWRITE));

    for (unsigned i = 0;; i++) {
        struct v4l2_fmtdesc d;
        memset(&d, 0, sizeof d);
        d.index = i;
        d.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        if (xioctl(fd, VIDIOC_ENUM_FMT, &d) < 0) break;
        char fc[5];
        fourcc(d.pixelformat, fc);
        printf("format[%u]=%s flags=0x%x \"%s\"", i, fc, d.flags, d.description);
        for (unsigned s = 0; s < 16; s++) {
            struct v4l2_frmsizeenum fs;
            memset(&fs, 0, sizeof fs);
            fs.index = s;
            fs.pixel_format = d.pixelformat;
            if (xioctl(fd, VIDIOC_ENUM_FRAMESIZES, &fs) < 0) break;
            if (fs.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
                printf(" %ux%u", fs.discrete.width, fs.discrete.height);
            } else {
                printf(" %ux%u..%ux%u(step %u/%u)", fs.stepwise.min_width, fs.stepwise.min_height,
                       fs.stepwise.max_width, fs.stepwise.max_height, fs.stepwise.step_width,
                       fs.stepwise.step_height);
                break;
            }
        }
        printf("\n");
    }

    struct v4l2_format fmt;
    memset(&fmt, 0, sizeof fmt);
    fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    fmt.fmt.pix.width = width;
    fmt.fmt.pix.height = height;
    fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
    fmt.fmt.pix.field = V4L2_FIELD_NONE;
    if (xioctl(fd, VIDIOC_S_FMT, &fmt) < 0) {
        perror("VIDIOC_S_FMT");
        return 1;
    }
    char fc[5];
    fourcc(fmt.fmt.pix.pixelformat, fc);
    printf("s_fmt=%s %ux%u bytesperline=%u sizeimage=%u field=%u\n", fc, fmt.fmt.pix.width, fmt.fmt.pix.height,
           fmt.fmt.pix.bytesperline, fmt.fmt.pix.sizeimage, fmt.fmt.pix.field);

    struct v4l2_streamparm parm;
    memset(&parm, 0, sizeof parm);
    parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (xioctl(fd, VIDIOC_G_PARM, &parm) == 0) {
        printf("timeperframe=%u/%u", parm.parm.capture.timeperframe.numerator,
               parm.parm.capture.timeperframe.denominator);
    }
    printf(" intervals:");
    for (unsigned i = 0; i < 16; i++) {
        struct v4l2_frmivalenum iv;
        memset(&iv, 0, sizeof iv);
        iv.index = i;
        iv.pixel_format = fmt.fmt.pix.pixelformat;
        iv.width = fmt.fmt.pix.width;
        iv.height = fmt.fmt.pix.height;
        if (xioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, &iv) < 0 || iv.type != V4L2_FRMIVAL_TYPE_DISCRETE) break;
        printf(" %u/%u", iv.discrete.numerator, iv.discrete.denominator);
    }
    printf("\n");

    struct v4l2_requestbuffers req;
    memset(&req, 0, sizeof req);
    req.count = 4;
    req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    req.memory = V4L2_MEMORY_MMAP;
    if (xioctl(fd, VIDIOC_REQBUFS, &req) < 0) {
        perror("VIDIOC_REQBUFS");
        return 1;
    }
    void *maps[8];
    size_t lens[8];
    unsigned count = req.count < 8 ? req.count : 8;
    for (unsigned i = 0; i < count; i++) {
        struct v4l2_buffer b;
        memset(&b, 0, sizeof b);
        b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        b.memory = V4L2_MEMORY_MMAP;
        b.index = i;
        if (xioctl(fd, VIDIOC_QUERYBUF, &b) < 0) {
            perror("VIDIOC_QUERYBUF");
            return 1;
        }
        lens[i] = b.length;
        maps[i] = mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, b.m.offset);
        if (maps[i] == MAP_FAILED) {
            perror("mmap");
            return 1;
        }
        if (xioctl(fd, VIDIOC_QBUF, &b) < 0) {
            perror("VIDIOC_QBUF");
            return 1;
        }
    }
    printf("buffers=%u\n", count);
    enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    double start = now_ms();
    if (xioctl(fd, VIDIOC_STREAMON, &type) < 0) {
        perror("VIDIOC_STREAMON");
        return 1;
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int pr = poll(&p, 1, 10000);
    if (pr <= 0) {
        fprintf(stderr, "poll: %s\n", pr == 0 ? "timeout after 10 s" : strerror(errno));
        return 1;
    }
    struct v4l2_buffer b;
    memset(&b, 0, sizeof b);
    b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b.memory = V4L2_MEMORY_MMAP;
    if (xioctl(fd, VIDIOC_DQBUF, &b) < 0) {
        perror("VIDIOC_DQBUF");
        return 1;
    }
    printf("first_frame_ms=%.1f index=%u bytesused=%u sequence=%u\n", now_ms() - start, b.index, b.bytesused,
           b.sequence);
    if (outPath) {
        FILE *f = fopen(outPath, "wb");
        if (!f || fwrite(maps[b.index], 1, b.bytesused, f) != b.bytesused || fclose(f) != 0) {
            perror("write output");
            return 1;
        }
        printf("wrote %s (%u bytes, YUYV %ux%u)\n", outPath, b.bytesused, fmt.fmt.pix.width, fmt.fmt.pix.height);
    }
    for (unsigned n = 1; n < frames; n++) {
        if (xioctl(fd, VIDIOC_QBUF, &b) < 0) {
            printf("frame %u: VIDIOC_QBUF errno=%d (%s)\n", n, errno, strerror(errno));
            return 1;
        }
        p.revents = 0;
        pr = poll(&p, 1, 5000);
        if (pr <= 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL))) {
            printf("frame %u: poll=%d revents=0x%x errno=%d (%s)\n", n, pr, p.revents, pr < 0 ? errno : 0,
                   pr < 0 ? strerror(errno) : "-");
        }
        if (pr <= 0) return 1;
        memset(&b, 0, sizeof b);
        b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        b.memory = V4L2_MEMORY_MMAP;
        if (xioctl(fd, VIDIOC_DQBUF, &b) < 0) {
            printf("frame %u: VIDIOC_DQBUF errno=%d (%s) after %.0f ms\n", n, errno, strerror(errno), now_ms() - start);
            return 1;
        }
        if (n + 1 == frames) printf("frames=%u last_sequence=%u elapsed_ms=%.0f\n", frames, b.sequence, now_ms() - start);
    }
    if (xioctl(fd, VIDIOC_STREAMOFF, &type) < 0) printf("VIDIOC_STREAMOFF errno=%d (%s)\n", errno, strerror(errno));
    for (unsigned i = 0; i < count; i++) munmap(maps[i], lens[i]);
    close(fd);
    return 0;
}
