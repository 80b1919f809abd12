// Copy buttons: a button.copy[data-copy] copies the value (an input, a textarea) or the text of the
// element with that id, and says so in the status next to it. Without JavaScript the buttons stay
// hidden and the text can still be selected and copied by hand.
(function () {
  document.querySelectorAll("button.copy[data-copy]").forEach((button) => {
    const source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) return;
    const status = button.parentElement.querySelector(".copy-done");
    button.hidden = false;
    button.addEventListener("click", async () => {
      const text = "value" in source ? source.value : source.textContent;
      try {
        await navigator.clipboard.writeText(text);
        if (status) status.textContent = "Copied.";
      } catch (error) {
        if ("select" in source) source.select();
        if (status) status.textContent = "Could not copy: select the text and copy it yourself.";
      }
    });
  });
})();
