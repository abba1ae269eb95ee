using System.Text;
using PcapResetInspector.Core.Logs;
using static PcapResetInspector.Core.Tests.Logs.LogTestKit;

namespace PcapResetInspector.Core.Tests.Logs;

public class GenericLogTests
{
    [Fact]
    public void Generic_wordings_addresses_and_timestamps()
    {
        LogReadResult result = Read(
            "app 2.4.1.7 at 2024-03-11T09:00:01.25+02:00: upstream [2001:db8::5]:443 ECONNRESET\n" +
            "2024/03/11 09:00:02 worker: socket error 10054 from 192.0.2.4 port 6000\n" +
            "2024-03-11 09:00:03 WSAECONNRESET on 192.0.2.5(7000)\n" +
            "2024-03-11 09:00:04 processed 10054 records, connection reset counter=0 for 192.0.2.6\n" +
            "2024-03-11 09:00:05 processed 10054 records\n" +
            "2024-03-11 09:00:06 password reset mail sent\n");
        Assert.Equal(4, result.Resets.Count);
        Assert.Equal(2, result.LinesSkipped);
        Assert.All(result.Resets, r => Assert.Equal(LogFormat.Generic, r.Format));
        Assert.Equal(new DateTime(2024, 3, 11, 9, 0, 1, 250), result.Resets[0].LocalTime);
        Assert.Equal(TimeSpan.FromHours(2), result.Resets[0].Offset);
        Assert.Equal(Ip("2001:db8::5"), result.Resets[0].ClientAddress); // not the version 2.4.1.7
        Assert.Equal((ushort)443, result.Resets[0].ClientPort);
        Assert.Equal("generic reset wording \"ECONNRESET\"", result.Resets[0].Detail);
        Assert.Equal(Ip("192.0.2.4"), result.Resets[1].ClientAddress);
        Assert.Equal((ushort)6000, result.Resets[1].ClientPort);
        Assert.Equal("generic reset wording \"10054\"", result.Resets[1].Detail);
        Assert.Equal(Ip("192.0.2.5"), result.Resets[2].ClientAddress);
        Assert.Equal((ushort)7000, result.Resets[2].ClientPort);
        Assert.Equal(Ip("192.0.2.6"), result.Resets[3].ClientAddress);
        Assert.Null(result.Resets[3].ClientPort);
    }

    [Fact]
    public void A_reset_line_without_time_is_counted_not_returned()
    {
        LogReadResult result = Read("2024-03-11 09:00:00 started\nConnection reset by peer (no time here)\n");
        Assert.Empty(result.Resets);
        Assert.Equal(1, result.LinesWithoutTimestamp);
        Assert.Equal(1, result.LinesSkipped);
        Assert.Equal(2, result.LinesRead);
        Assert.Null(result.Problem);
    }

    [Fact]
    public void Mapped_ipv6_becomes_the_ipv4_address()
    {
        LogResetLine line = Single("2024-03-11 09:00:01 UTC ::ffff:10.0.0.7(50412) LOG:  could not receive data from client: Connection reset by peer\n");
        Assert.Equal(Ip("10.0.0.7"), line.ClientAddress);
        Assert.True(line.ClientAddress!.Value.IsMappedIPv4);
    }
}

public class RobustnessLogTests
{
    [Fact]
    public void Binary_data_is_a_problem_with_its_offset()
    {
        var text = new StringBuilder("2024-03-11 09:00:01 ok\n");
        text.Append('\0', 2000).Append("\nConnection reset by peer 2024-03-11 09:00:01\n");
        LogReadResult result = Read(text.ToString());
        Assert.Equal("binary data at offset 23, not a text log", result.Problem);
        Assert.Empty(result.Resets);
    }

    [Fact]
    public void Binary_file_read_from_disk_stops_early()
    {
        string path = Path.Combine(Path.GetTempPath(), $"logs-test-{Guid.NewGuid():N}.log");
        var random = new Random(7);
        byte[] bytes = new byte[3 << 20];
        random.NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        try
        {
            LogReadResult result = ResetLogReader.Read(path);
            Assert.StartsWith("binary data at offset ", result.Problem);
            Assert.True(result.LinesRead < 1000);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Overlong_lines_are_skipped_and_counted()
    {
        string log = "2024-03-11 09:00:01 x " + new string('a', 70 * 1024) + " Connection reset by peer 10.0.0.1:1\n"
            + "2024-03-11 09:00:02 Connection reset by peer 10.0.0.2:2\n"
            + new string('b', 200 * 1024);
        LogReadResult result = Read(log);
        Assert.Equal(2, result.OverlongLines);
        Assert.Equal(3, result.LinesRead);
        LogResetLine line = Assert.Single(result.Resets);
        Assert.Equal(2, line.LineNumber);
        Assert.Equal(Ip("10.0.0.2"), line.ClientAddress);
    }

    [Fact]
    public void A_file_without_any_timestamp_is_a_problem()
    {
        LogReadResult result = Read("hello\nConnection reset by peer\nbye\n");
        Assert.NotNull(result.Problem);
        Assert.StartsWith("no timestamps", result.Problem);
        Assert.Equal(1, result.LinesWithoutTimestamp);
        Assert.Null(Read("").Problem);
    }

    [Fact]
    public void Crlf_line_ends_and_a_truncated_last_entry()
    {
        LogReadResult result = Read(
            "[2024/03/11 09:00:01.000000,  1] ../../source3/smbd/process.c:520(receive_smb_talloc)\r\n" +
            "  receive_smb_raw_talloc failed for client ipv4:10.0.0.7:50412 read error = NT_STATUS_CONNECTION_RESET.\r\n" +
            "[2024/03/11 09:00:02.000000,  1] ../../source3/smbd/process.c:520(receive_smb_talloc)");
        LogResetLine line = Assert.Single(result.Resets);
        Assert.Equal((ushort)50412, line.ClientPort);
        Assert.Equal(1, result.LinesSkipped);
    }

    [Fact]
    public void Random_and_truncated_input_never_throws()
    {
        string[] samples =
        [
            "[2024/03/11 09:00:01.123456,  1] ../../source3/smbd/process.c:520(receive_smb_talloc)\n  receive_smb_raw_talloc failed for client ipv6:fe80::1:50412 read error = NT_STATUS_CONNECTION_RESET.\n",
            "2024/03/11 09:00:01 [error] 1#1: *5 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 10.0.0.7, server: x, upstream: \"http://[::1]:80/\"\n",
            "[Mon Mar 11 09:00:01.123456 2024] [core:info] [pid 1:tid 2] (104)Connection reset by peer: [client 10.0.0.7:50412] AH01102: error reading status line from remote server [::1]:8080\n",
            "<34>1 2024-03-11T09:00:01.003+01:00 host sshd 1 - [a b=\"c\"] Connection reset by 10.0.0.7 port 50412\n",
        ];
        var random = new Random(12345);
        string alphabet = "[]():/., -+0123456789abcdefABCDEF\n\t\0\uFFFDresetECONNRESETport client ipv4:";
        for (int round = 0; round < 400; round++)
        {
            string sample = samples[round % samples.Length];
            string input = round % 3 == 0
                ? sample[..random.Next(sample.Length)]
                : new string(sample.Select(c => random.Next(8) == 0 ? alphabet[random.Next(alphabet.Length)] : c).ToArray());
            LogReadResult result = Read(input, round % 2 == 0 ? "log.fe80::1" : "log.");
            Assert.True(result.LinesRead >= 0);
        }
    }
}
