const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Python's `datetime.strftime` for the C-locale directives chat templates use (e.g. `%d %b %Y`). */
export function strftime(date: Date, format: string): string {
  return format.replace(/%([%aAbBdHIjmMpSyY])/g, (_, code: string) => {
    switch (code) {
      case 'a':
        return days[date.getDay()]!.slice(0, 3);
      case 'A':
        return days[date.getDay()]!;
      case 'b':
        return months[date.getMonth()]!.slice(0, 3);
      case 'B':
        return months[date.getMonth()]!;
      case 'd':
        return pad(date.getDate());
      case 'H':
        return pad(date.getHours());
      case 'I':
        return pad(((date.getHours() + 11) % 12) + 1);
      case 'j':
        return pad(Math.floor((date.getTime() - new Date(date.getFullYear(), 0, 1).getTime()) / 86_400_000) + 1, 3);
      case 'm':
        return pad(date.getMonth() + 1);
      case 'M':
        return pad(date.getMinutes());
      case 'p':
        return date.getHours() < 12 ? 'AM' : 'PM';
      case 'S':
        return pad(date.getSeconds());
      case 'y':
        return pad(date.getFullYear() % 100);
      case 'Y':
        return String(date.getFullYear());
      default:
        return '%';
    }
  });
}
