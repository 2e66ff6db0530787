"use strict";
// The smallest page that follows the daemon: the state from the stream picks the section shown; 开始办理 and 取消办理
// post their events. docs/ui-api.md is the contract.
(function () {
  const strings = window.KIOSK_STRINGS.zh;
  for (const element of document.querySelectorAll("[data-text]")) {
    element.textContent = strings[element.dataset.text] || element.textContent;
  }

  function show(id) {
    for (const section of document.querySelectorAll("main > section")) {
      section.hidden = section.id !== id;
    }
  }

  function render(state) {
    if (state.screen === "welcome") {
      show("welcome");
    } else if (state.screen === "outOfService") {
      show("offline");
    } else {
      document.getElementById("screen-name").textContent = state.screen;
      show("other");
    }
  }

  function post(event) {
    return fetch("/ui/v1/events", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(event),
    })
      .then((response) => response.json())
      .then((answer) => {
        if (answer.state) render(answer.state);
      })
      .catch(() => show("offline"));
  }

  document.getElementById("start").addEventListener("click", () => post({ event: "start" }));
  document.getElementById("cancel").addEventListener("click", () => post({ event: "cancel" }));

  function connect() {
    const source = new EventSource("/ui/v1/stream");
    source.addEventListener("state", (message) => render(JSON.parse(message.data)));
    source.addEventListener("error", () => {
      show("offline");
      source.close();
      setTimeout(connect, 1000);
    });
  }
  connect();
})();
