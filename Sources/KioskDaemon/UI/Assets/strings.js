"use strict";
// The page's words by language; kiosk.js picks one set.
window.KIOSK_STRINGS = {
  zh: {
    welcomeTitle: "企业登记自助服务",
    start: "开始办理",
    cancel: "取消办理",
    outOfService: "暂停服务",
  },
  en: {
    welcomeTitle: "Business registration self-service",
    start: "Start",
    cancel: "Cancel",
    outOfService: "Out of service",
  },
};
